using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pyfi.Cli.Infrastructure;

/// <summary>
/// Writes a tree (mappings, lists, scalars) as block YAML that <see cref="BoundedDocument"/> reads back to the same tree:
/// a text is left plain only when YAML would read it as that text (not a number, a boolean or null, no character YAML
/// gives a meaning), else it is double-quoted with JSON's escapes, which YAML reads the same. Lists of scalars go on one
/// line (<c>[a, b]</c>).
/// </summary>
public static partial class YamlText
{
    /// <summary>The YAML of <paramref name="root"/>.</summary>
    public static string Write(JsonNode? root)
    {
        var text = new StringBuilder();
        if (root is JsonObject or JsonArray && Count(root) > 0) Block(text, root, 0);
        else text.Append(Inline(root)).Append('\n');
        return text.ToString();
    }

    // The node's entries at `indent`; a list item's mapping starts on the dash's line.
    private static void Block(StringBuilder text, JsonNode node, int indent)
    {
        var pad = new string(' ', indent);
        if (node is JsonObject map)
        {
            var first = true;
            foreach (var (key, value) in map)
            {
                text.Append(first && text.Length > 0 && text[^1] == ' ' ? "" : pad).Append(Scalar(key)).Append(':');
                first = false;
                if (value is JsonObject or JsonArray && Count(value) > 0 && !IsFlat(value))
                {
                    text.Append('\n');
                    Block(text, value, indent + 2);
                }
                else
                {
                    text.Append(' ').Append(Inline(value)).Append('\n');
                }
            }

            return;
        }

        foreach (var item in (JsonArray)node)
        {
            text.Append(pad).Append("- ");
            if (item is JsonObject or JsonArray && Count(item) > 0 && !IsFlat(item)) Block(text, item, indent + 2);
            else text.Append(Inline(item)).Append('\n');
        }
    }

    private static int Count(JsonNode? node) => node switch
    {
        JsonObject map => map.Count,
        JsonArray list => list.Count,
        _ => 0,
    };

    // A list of scalars fits on one line.
    private static bool IsFlat(JsonNode node) => node is JsonArray list && list.All(i => i is not JsonObject and not JsonArray);

    private static string Inline(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject map when map.Count == 0 => "{}",
        JsonArray list => $"[{string.Join(", ", list.Select(Inline))}]",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => Scalar(value.GetValue<string>()),
        _ => node.ToJsonString(),
    };

    private static string Scalar(string text) =>
        Plain().IsMatch(text) && BoundedDocument.PlainScalar(text) is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? text
            : JsonValue.Create(text).ToJsonString();

    // Letters, digits and the punctuation names, paths and URLs use, not starting with one YAML gives a meaning, and
    // no ':' at the end (a key's).
    [GeneratedRegex(@"^[A-Za-z0-9_/][A-Za-z0-9_./+@:-]*(?<!:)$")]
    private static partial Regex Plain();
}
