using System.Text.Json;
using Orleans.Runtime;
using Pyfi.Protocol;
using Pyfi.Silo.Options;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// What each gateway-protocol operation does: it reads the arguments, calls the grains, and returns what
/// the operation answers. The protocol is documented in <see cref="GatewayOps"/>.
/// </summary>
public sealed class GatewayOperations
{
    private readonly Dictionary<string, Func<JsonElement?, CancellationToken, Task<object?>>> _operations;
    private readonly IGrainFactory _grains;
    private readonly PyfiSiloOptions _options;

    /// <summary>Creates the dispatch table.</summary>
    public GatewayOperations(IGrainFactory grains, PyfiSiloOptions options, FlowWatcher flows)
    {
        _grains = grains;
        _options = options;
        _operations = new(StringComparer.Ordinal)
        {
            [GatewayOps.Hello] = (_, _) => HelloAsync(),

            [GatewayOps.AddQueue] = async (a, _) => await Registry.AddQueueAsync(Args<QueueSpec>(a)),
            [GatewayOps.UpdateQueue] = async (a, _) => await Update<QueueUpdate, QueueInfo>(a, Registry.UpdateQueueAsync),
            [GatewayOps.DeleteQueue] = async (a, _) => { await Registry.DeleteQueueAsync(Args<NameArgs>(a).Name); return null; },
            [GatewayOps.GetQueue] = async (a, _) => await Registry.GetQueueAsync(Args<NameArgs>(a).Name),
            [GatewayOps.ListQueues] = async (_, _) => (await Registry.ListQueuesAsync()).ToArray(),

            [GatewayOps.AddProcessor] = async (a, _) => await Registry.AddProcessorAsync(Args<ProcessorSpec>(a)),
            [GatewayOps.UpdateProcessor] = async (a, _) => await Update<ProcessorUpdate, ProcessorInfo>(a, Registry.UpdateProcessorAsync),
            [GatewayOps.DeleteProcessor] = async (a, _) => { await Registry.DeleteProcessorAsync(Args<NameArgs>(a).Name); return null; },
            [GatewayOps.GetProcessor] = async (a, _) => await Registry.GetProcessorAsync(Args<NameArgs>(a).Name),
            [GatewayOps.ListProcessors] = async (_, _) => (await Registry.ListProcessorsAsync()).ToArray(),

            [GatewayOps.AddSocket] = async (a, _) => await Registry.AddSocketAsync(Args<SocketSpec>(a)),
            [GatewayOps.UpdateSocket] = async (a, _) => await Update<SocketUpdate, SocketInfo>(a, Registry.UpdateSocketAsync),
            [GatewayOps.DeleteSocket] = async (a, _) => { await Registry.DeleteSocketAsync(Args<NameArgs>(a).Name); return null; },
            [GatewayOps.GetSocket] = async (a, _) => await Registry.GetSocketAsync(Args<NameArgs>(a).Name),
            [GatewayOps.ListSockets] = async (_, _) => (await Registry.ListSocketsAsync()).ToArray(),

            [GatewayOps.RunTask] = RunTaskAsync,
            [GatewayOps.GetCall] = GetCallAsync,
            [GatewayOps.CancelCall] = async (a, _) => await _grains.GetGrain<ITaskCallGrain>(Args<CallArgs>(a).Id).CancelAsync(),
            [GatewayOps.ListCalls] = async (a, _) => await _grains.GetGrain<ICallListingGrain>(0).ListAsync(Args<CallQuery>(a)),
            [GatewayOps.CallGraph] = CallGraphAsync,
            [GatewayOps.ListAgents] = async (_, _) => await _grains.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync(),

            [GatewayOps.StartFlow] = async (a, _) => await _grains.GetGrain<IWorkflowGrain>(Guid.NewGuid()).StartAsync(Args<FlowStep>(a)),
            [GatewayOps.GetFlow] = GetFlowAsync,
            [GatewayOps.CancelFlow] = async (a, _) => await _grains.GetGrain<IWorkflowGrain>(Args<FlowArgs>(a).Id).CancelAsync(),
            [GatewayOps.WatchFlow] = async (a, c) => await flows.NextAsync(Args<FlowWatchArgs>(a), c),
        };
    }

    private IRegistryGrain Registry => _grains.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey);

    /// <summary>Runs <paramref name="op"/>; throws <see cref="InvalidSpecException"/> for an unknown operation or malformed arguments.</summary>
    public Task<object?> RunAsync(string op, JsonElement? args, CancellationToken cancellationToken) =>
        _operations.TryGetValue(op, out var operation)
            ? operation(args, cancellationToken)
            : throw new InvalidSpecException($"unknown operation '{op}' (this silo speaks gateway protocol v{GatewayOps.ProtocolVersion})");

    private async Task<object?> RunTaskAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var run = Args<TaskRunArgs>(args);
        if (string.IsNullOrEmpty(run.Socket)) throw new InvalidSpecException("the socket name is empty");
        ModelRules.Name("socket", run.Socket);
        var socket = _grains.GetGrain<ISocketGrain>(run.Socket);
        var retry = run.MaxAttempts is { } attempts
            ? ((await socket.GetDefinitionAsync())?.Spec.Retry ?? throw new NotFoundException("socket", run.Socket)) with { MaxAttempts = attempts }
            : null;
        var request = new CallRequest
        {
            Socket = run.Socket,
            Args = CallArguments(run),
            Kwargs = CallKeywords(run),
            Key = run.Key,
            Retry = retry,
            Timeout = run.Timeout,
        };
        var call = await socket.RunAsync(request, run.Wait ? WaitSlice : TimeSpan.Zero);
        return run.Wait ? await WaitForEndAsync(call, cancellationToken) : call;
    }

    // No args is a call with no arguments (as a workflow file's call step without args); the socket grain checks depth and size.
    private static string CallArguments(TaskRunArgs run) => run.Args.ValueKind switch
    {
        JsonValueKind.Undefined => "[]",
        JsonValueKind.Array => run.Args.GetRawText(),
        _ => throw new InvalidSpecException("task.run's args must be a JSON array of positional arguments"),
    };

    private static string? CallKeywords(TaskRunArgs run) => run.Kwargs?.ValueKind switch
    {
        null or JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.Object => run.Kwargs.Value.GetRawText(),
        _ => throw new InvalidSpecException("task.run's kwargs must be a JSON object of keyword arguments"),
    };

    private async Task<object?> CallGraphAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var call = await _grains.GetGrain<ITaskCallGrain>(Args<CallArgs>(args).Id).GetAsync();
        if (call.Workflow is not { } workflow) return new CallGraph(call, null, [call]);
        var flow = await _grains.GetGrain<IWorkflowGrain>(workflow).GetAsync();
        return new CallGraph(call, flow, await _grains.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(workflow));
    }

    private async Task<object?> GetFlowAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var get = Args<FlowArgs>(args);
        var grain = _grains.GetGrain<IWorkflowGrain>(get.Id);
        var flow = await grain.GetAsync();
        while (get.Wait && !flow.State.IsFinal())
        {
            cancellationToken.ThrowIfCancellationRequested();
            flow = await grain.WaitAsync(WaitSlice);
        }

        return flow;
    }

    private async Task<object?> GetCallAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var get = Args<CallArgs>(args);
        var call = await _grains.GetGrain<ITaskCallGrain>(get.Id).GetAsync();
        return get.Wait ? await WaitForEndAsync(call, cancellationToken) : call;
    }

    // Grain calls time out after 30 s, so a long call is waited for in slices.
    private async Task<CallInfo> WaitForEndAsync(CallInfo call, CancellationToken cancellationToken)
    {
        var grain = _grains.GetGrain<ITaskCallGrain>(call.Id);
        while (!call.State.IsFinal())
        {
            cancellationToken.ThrowIfCancellationRequested();
            call = await grain.WaitAsync(WaitSlice);
        }

        return call;
    }

    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(20);

    private async Task<object?> HelloAsync()
    {
        var hosts = await _grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var gateways = hosts.Where(h => h.ProxyPort > 0).Select(h => $"{h.SiloAddress.Endpoint.Address}:{h.ProxyPort}").ToList();
        return new GatewayHello(PyfiVersion.Current, _options.ClusterId, _options.ServiceId, gateways);
    }

    private static async Task<TInfo> Update<TUpdate, TInfo>(JsonElement? args, Func<string, TUpdate, Task<TInfo>> update)
    {
        var named = Args<NamedUpdate<TUpdate>>(args);
        return await update(named.Name, named.Update);
    }

    private static T Args<T>(JsonElement? args)
    {
        if (args is not { ValueKind: JsonValueKind.Object } element) throw new InvalidSpecException("the request needs its arguments, a JSON object");
        try
        {
            return PyfiJson.Deserialize<T>(element) ?? throw new InvalidSpecException("the request's arguments are empty");
        }
        catch (JsonException e)
        {
            throw new InvalidSpecException($"the request's arguments are malformed: {PyfiJson.Describe(e)}");
        }
    }
}
