using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pyfi.Protocol;

/// <summary>
/// Source-generated JSON metadata for everything that crosses the gateway protocol: no reflection at run
/// time, so a tool that speaks it starts in milliseconds.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GatewayRequest))]
[JsonSerializable(typeof(GatewayResponse))]
[JsonSerializable(typeof(GatewayHello))]
[JsonSerializable(typeof(NameArgs))]
[JsonSerializable(typeof(QueueSpec))]
[JsonSerializable(typeof(ProcessorSpec))]
[JsonSerializable(typeof(SocketSpec))]
[JsonSerializable(typeof(NamedUpdate<QueueUpdate>))]
[JsonSerializable(typeof(NamedUpdate<ProcessorUpdate>))]
[JsonSerializable(typeof(NamedUpdate<SocketUpdate>))]
[JsonSerializable(typeof(QueueInfo))]
[JsonSerializable(typeof(ProcessorInfo))]
[JsonSerializable(typeof(SocketInfo))]
[JsonSerializable(typeof(QueueInfo[]))]
[JsonSerializable(typeof(ProcessorInfo[]))]
[JsonSerializable(typeof(SocketInfo[]))]
[JsonSerializable(typeof(PlugSpec))]
[JsonSerializable(typeof(NamedUpdate<PlugUpdate>))]
[JsonSerializable(typeof(PlugInfo))]
[JsonSerializable(typeof(PlugInfo[]))]
[JsonSerializable(typeof(CallInfo))]
[JsonSerializable(typeof(CallInfo[]))]
[JsonSerializable(typeof(TaskRunArgs))]
[JsonSerializable(typeof(CallArgs))]
[JsonSerializable(typeof(CallQuery))]
[JsonSerializable(typeof(CallGraph))]
[JsonSerializable(typeof(FlowStep))]
[JsonSerializable(typeof(FlowInfo))]
[JsonSerializable(typeof(FlowSummary))]
[JsonSerializable(typeof(FlowArgs))]
[JsonSerializable(typeof(FlowWatchArgs))]
[JsonSerializable(typeof(FlowProgress))]
[JsonSerializable(typeof(FollowArgs))]
[JsonSerializable(typeof(FollowPage))]
[JsonSerializable(typeof(AgentInfo[]))]
[JsonSerializable(typeof(NodeInfo[]))]
[JsonSerializable(typeof(WorkerInfo[]))]
[JsonSerializable(typeof(ClusterSample))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(NewToken))]
[JsonSerializable(typeof(TokenInfo))]
[JsonSerializable(typeof(TokenInfo[]))]
public sealed partial class PyfiJsonContext : JsonSerializerContext;
