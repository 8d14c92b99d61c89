using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pyfi.Protocol;

/// <summary>
/// The JSON shape Pyfi speaks to tools and scripts (the gateway protocol, <c>pyfi … --json</c>): camelCase
/// names, enums by camelCase name, nulls left out. Metadata is source-generated
/// (<see cref="PyfiJsonContext"/>), so the helpers work without reflection and a Native AOT tool starts at once.
/// </summary>
public static class PyfiJson
{
    /// <summary>Options for compact JSON (one line per message).</summary>
    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    /// <summary>Options for JSON people read.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>Serialises <paramref name="value"/> (a type known to <see cref="PyfiJsonContext"/>).</summary>
    public static string Serialize<T>(T value, JsonSerializerOptions? options = null) =>
        JsonSerializer.Serialize(value, Info<T>(options ?? Compact));

    /// <summary>Serialises an object of a type known to <see cref="PyfiJsonContext"/>, by its runtime type.</summary>
    public static JsonElement ToElement(object value) =>
        JsonSerializer.SerializeToElement(value, Compact.GetTypeInfo(value.GetType()));

    /// <summary>Reads <typeparamref name="T"/> from JSON text.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize(json, Info<T>(Compact));

    /// <summary>Reads <typeparamref name="T"/> from UTF-8 JSON (e.g. a request line as it arrived, in the reader's buffers).</summary>
    public static T? Deserialize<T>(System.Buffers.ReadOnlySequence<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = Compact.MaxDepth });
        var value = JsonSerializer.Deserialize(ref reader, Info<T>(Compact));
        // As the text overloads do: one JSON value and nothing after it.
        if (reader.Read()) throw new JsonException($"unexpected '{(char)utf8.Slice(reader.TokenStartIndex, 1).FirstSpan[0]}' after the JSON value");
        return value;
    }

    /// <summary>Reads <typeparamref name="T"/> from a JSON element.</summary>
    public static T? Deserialize<T>(JsonElement element) => element.Deserialize(Info<T>(Compact));

    private static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = PyfiJsonContext.Default,
            Converters =
            {
                new JsonStringEnumConverter<QueueType>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<ProcessorStatus>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<CallState>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<FlowState>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<FlowStepKind>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<PyfiRole>(JsonNamingPolicy.CamelCase),
            },
        };
        options.MakeReadOnly();
        return options;
    }
}
