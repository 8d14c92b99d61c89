using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Pyfi.Grains.Storage;

/// <summary>
/// Stores grain state as plain UTF-8 JSON named by property, with no .NET type names in it (Orleans'
/// default embeds them), so renaming or moving a state class does not orphan stored rows, and the rows
/// can be read with any SQL tool.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    /// <summary>The JSON shape of stored state: enums by name, nulls left out; as deep as a workflow's graph may be.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        MaxDepth = PyfiLimits.MaxMessageDepth,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <inheritdoc />
    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    /// <inheritdoc />
    public T? Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options);
}
