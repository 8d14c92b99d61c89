using System.Text.Json.Serialization;

namespace Pyfi.Grains.Plugs;

/// <summary>The JSON a failure plug carries (source-generated: no reflection on the hot path).</summary>
[JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class PlugJson : JsonSerializerContext;
