using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pyfi.Protocol;

/// <summary>
/// The JSON shape Pyfi speaks to tools and scripts (the gateway protocol, <c>pyfi … --json</c>): camelCase
/// names, enums by camelCase name, nulls left out. Metadata is source-generated
/// (<see cref="PyfiJsonContext"/>), so the helpers work without reflection and a Native AOT tool starts at once.
/// Messages nest at most <see cref="PyfiLimits.MaxMessageDepth"/> levels.
/// </summary>
public static partial class PyfiJson
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
        if (utf8.IsSingleSegment) return JsonSerializer.Deserialize(utf8.FirstSpan, Info<T>(Compact));

        // The serializer says where a problem is (its path) only when it reads one span: the line is copied into one.
        var length = checked((int)utf8.Length);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            System.Buffers.BuffersExtensions.CopyTo(utf8, buffer.AsSpan());
            return JsonSerializer.Deserialize(buffer.AsSpan(0, length), Info<T>(Compact));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads <typeparamref name="T"/> from a JSON element.</summary>
    public static T? Deserialize<T>(JsonElement element) => element.Deserialize(Info<T>(Compact));

    /// <summary>
    /// What is wrong with JSON that could not be read, in words for the user: the reader's reason, or that a
    /// value has the wrong type or required fields are missing, and where. Never a .NET type name.
    /// </summary>
    public static string Describe(JsonException e)
    {
        var reason = e.Message;
        foreach (var tail in (string[])[" Path: ", " LineNumber: "])
        {
            var at = reason.IndexOf(tail, StringComparison.Ordinal);
            if (at >= 0) reason = reason[..at];
        }

        reason = reason.Trim().TrimEnd('.');
        if (MaxDepthExceeded().Match(reason) is { Success: true } depth) reason = $"it nests deeper than {depth.Groups[1].Value} levels";
        else if (reason.Contains("missing required properties", StringComparison.Ordinal))
            reason = reason.IndexOf("including: ", StringComparison.Ordinal) is var list and >= 0 ? $"required fields are missing: {reason[(list + 11)..]}" : "required fields are missing";
        // Converters name the .NET type they expected ("could not be converted to System.Guid"): say what it means instead.
        else if (reason.Contains("could not be converted", StringComparison.Ordinal) || TypeName().IsMatch(reason)) reason = "a value has the wrong type";
        var path = e.Path is { Length: > 1 } p ? $" at {p}" : "";
        var line = e.LineNumber is { } n ? $" (line {n + 1}, byte {e.BytePositionInLine + 1})" : "";
        return $"{reason}{path}{line}";
    }

    [GeneratedRegex(@"^The maximum configured depth of (\d+) has been exceeded")]
    private static partial Regex MaxDepthExceeded();

    // A dotted .NET type name, e.g. System.String or Pyfi.FlowStep.
    [GeneratedRegex(@"\b(System|Microsoft|Pyfi|Orleans)\.[A-Z]")]
    private static partial Regex TypeName();

    private static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            MaxDepth = PyfiLimits.MaxMessageDepth,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = PyfiJsonContext.Default,
            Converters =
            {
                new JsonStringEnumConverter<QueueType>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<ProcessorStatus>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<ProcessorRuntime>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<CallState>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<FlowState>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<FlowStepKind>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<PyfiRole>(JsonNamingPolicy.CamelCase),
                new JsonStringEnumConverter<NetworkAction>(JsonNamingPolicy.CamelCase),
            },
        };
        options.MakeReadOnly();
        return options;
    }
}
