using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Network;

/// <summary>
/// The values of a network file's fields, read as the tool's options read them (durations as <c>30s</c>, memory as
/// <c>512M</c>, choices by name) and written back so that reading them again gives exactly the same value. A value
/// that is wrong throws <see cref="InvalidSpecException"/> naming its path (<c>sockets[2].timeout</c>).
/// </summary>
internal static class FileValues
{
    /// <summary>A name or other text (a number is taken as its digits: <c>commit: 1234567</c>).</summary>
    public static string Text(JsonNode value, string path) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && long.TryParse(Number(v), CultureInfo.InvariantCulture, out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => throw Wrong(path, "text", value),
    };

    /// <summary>A whole number.</summary>
    public static int Integer(JsonNode value, string path) =>
        Number(value) is { } text && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw Wrong(path, "a whole number", value);

    /// <summary>A number.</summary>
    public static double Real(JsonNode value, string path) =>
        Number(value) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d
            : throw Wrong(path, "a number", value);

    /// <summary>true or false.</summary>
    public static bool Bool(JsonNode value, string path) => value.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Wrong(path, "true or false", value),
    };

    /// <summary>A duration: <c>30s</c>, <c>5m</c>, <c>250ms</c>, <c>00:05:00</c>, or a number of seconds.</summary>
    public static TimeSpan Duration(JsonNode value, string path) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Durations.Parse(v.GetValue<string>(), path),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Durations.Parse(v.ToJsonString(), path),
        _ => throw Wrong(path, "a duration (e.g. 30s, 5m, 250ms)", value),
    };

    /// <summary>An amount of memory: <c>512M</c>, <c>2G</c>, or a number of bytes.</summary>
    public static long Memory(JsonNode value, string path) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => ByteSize.Parse(v.GetValue<string>(), path),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && long.TryParse(Number(v), CultureInfo.InvariantCulture, out var n) => n,
        _ => throw Wrong(path, "an amount of memory (e.g. 512M, 2G)", value),
    };

    /// <summary>One of <typeparamref name="TEnum"/>'s names.</summary>
    public static TEnum Choice<TEnum>(JsonNode value, string path) where TEnum : struct, Enum =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? Choices.Parse<TEnum>(v.GetValue<string>(), path)
            : throw Wrong(path, $"one of {Choices.Of<TEnum>()}", value);

    /// <summary>A list of names, or one text of names separated by commas (as the option takes them).</summary>
    public static string[] List(JsonNode value, string path) => value switch
    {
        JsonArray list => [.. list.Select((item, i) => item is null ? throw Wrong($"{path}[{i}]", "text", item) : Text(item, $"{path}[{i}]"))],
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        _ => throw Wrong(path, "a list of names", value),
    };

    /// <summary>Text as written.</summary>
    public static JsonNode? Write(string? text) => text is null ? null : JsonValue.Create(text);

    /// <summary>A number as written.</summary>
    public static JsonNode? Write(long? number) => number is { } n ? JsonValue.Create(n) : null;

    /// <summary>A number as written (shortest form that reads back the same).</summary>
    public static JsonNode WriteReal(double number) => JsonValue.Create(number);

    /// <summary>true or false.</summary>
    public static JsonNode Write(bool value) => JsonValue.Create(value);

    /// <summary>A choice's name, lower-case.</summary>
    public static JsonNode WriteChoice<TEnum>(TEnum value) where TEnum : struct, Enum => JsonValue.Create(Views.Name(value));

    /// <summary>A list of names.</summary>
    public static JsonNode WriteList(IEnumerable<string> names) => new JsonArray([.. names.Select(n => (JsonNode?)JsonValue.Create(n))]);

    /// <summary>A duration in the largest unit it is a whole number of (<c>90s</c>, <c>5m</c>, <c>250ms</c>), else <c>00:00:01.2345678</c>: read back exactly.</summary>
    public static JsonNode? WriteDuration(TimeSpan? span)
    {
        if (span is not { } s) return null;
        foreach (var (unit, size) in new[] { ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)), ("ms", TimeSpan.FromMilliseconds(1)) })
        {
            if (s >= size && s.Ticks % size.Ticks == 0) return JsonValue.Create($"{s.Ticks / size.Ticks}{unit}");
        }

        return JsonValue.Create(s == TimeSpan.Zero ? "0s" : s.ToString("c", CultureInfo.InvariantCulture));
    }

    /// <summary>An amount of memory in the largest unit it is a whole number of (<c>2G</c>, <c>1536M</c>), else bytes.</summary>
    public static JsonNode? WriteMemory(long? bytes)
    {
        if (bytes is not { } b) return null;
        foreach (var (unit, size) in new[] { ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10) })
        {
            if (b >= size && b % size == 0) return JsonValue.Create($"{b / size}{unit}");
        }

        return JsonValue.Create(b);
    }

    /// <summary>A value as JSON text (a schedule's arguments).</summary>
    public static string Json(JsonNode value) => value.ToJsonString();

    /// <summary>JSON text (a schedule's arguments) as a value of the file; null stays unset.</summary>
    public static JsonNode? WriteJson(string? json) => json is null ? null : JsonNode.Parse(json);

    // A number's text as JSON writes it, however the tree holds it (a long from YAML, an element from JSON).
    private static string? Number(JsonNode value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.ToJsonString() : null;

    private static InvalidSpecException Wrong(string path, string expected, JsonNode? value) =>
        new($"{path}: must be {expected}, not {Shape(value)}");

    private static string Shape(JsonNode? value) => value switch
    {
        null => "nothing",
        JsonArray => "a list",
        JsonObject => "a mapping",
        _ => value.GetValueKind() switch
        {
            JsonValueKind.String => $"'{value.GetValue<string>()}'",
            JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
            _ => value.ToJsonString(),
        },
    };
}
