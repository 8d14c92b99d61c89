using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pyfi.Protocol;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pyfi.Cli.Infrastructure;

/// <summary>
/// Reads a file the user wrote in YAML or JSON (a workflow, a network) into a tree, within bounds checked while it is
/// read: it is read event by event, without recursion, and refused as soon as its lists and mappings nest deeper than
/// <see cref="PyfiLimits.MaxDepth"/>, it holds more than <see cref="PyfiLimits.MaxWorkflowFileNodes"/> nodes, or it uses
/// a YAML anchor or alias (one alias can stand for a tree a billion nodes large). Also refused: a second YAML document,
/// a key that is a list or mapping, a key twice in one mapping. Messages name the file as <c>what</c> says
/// ("workflow file": "the workflow file is nested deeper than 64 levels (line 12)").
/// </summary>
public static class BoundedDocument
{
    /// <summary>The tree of <paramref name="text"/>; throws <see cref="InvalidSpecException"/> saying what is wrong and where.</summary>
    public static JsonNode Read(string text, string what)
    {
        JsonNode? root;
        try
        {
            var trimmed = text.TrimStart();
            root = trimmed.StartsWith('{') || trimmed.StartsWith('[') ? ReadJson(text, what) : ReadYaml(text, what);
        }
        catch (YamlException e)
        {
            throw new InvalidSpecException($"the {what} is not valid YAML or JSON: {Describe(e)}");
        }
        catch (JsonException e)
        {
            throw new InvalidSpecException($"the {what} is not valid YAML or JSON: {PyfiJson.Describe(e)}");
        }

        return root ?? throw new InvalidSpecException($"the {what} is empty");
    }

    // JSON: one pass that holds nothing checks depth and size, then the tree is built, now known to be within both.
    private static JsonNode? ReadJson(string text, string what)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        // One level more than allowed, so that the too-deep token is ours to report, with its line.
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = PyfiLimits.MaxDepth + 1 });
        var nodes = 0;
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject) continue;
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && reader.CurrentDepth >= PyfiLimits.MaxDepth)
                throw TooDeep(what, LineOf(bytes, reader.TokenStartIndex));
            if (++nodes > PyfiLimits.MaxWorkflowFileNodes) throw TooLarge(what, LineOf(bytes, reader.TokenStartIndex));
        }

        return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = PyfiLimits.MaxDepth, AllowDuplicateProperties = false });
    }

    // YAML: the parser's events folded into a tree, with a stack of the lists and mappings open.
    private static JsonNode? ReadYaml(string text, string what)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<Open>();
        JsonNode? root = null;
        var documents = 0;
        var nodes = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            var line = current.Start.Line;
            if (current is AnchorAlias) throw new InvalidSpecException($"aliases are not allowed in a {what} (line {line})");
            if (current is NodeEvent { Anchor.IsEmpty: false }) throw new InvalidSpecException($"anchors are not allowed in a {what} (line {line})");
            switch (current)
            {
                case DocumentStart when ++documents > 1:
                    throw new InvalidSpecException($"a {what} holds one YAML document; another starts at line {line}");
                case Scalar or SequenceStart or MappingStart when ++nodes > PyfiLimits.MaxWorkflowFileNodes:
                    throw TooLarge(what, line);
                case Scalar { Value: var key } when open.TryPeek(out var map) && map.AwaitsKey:
                    if (((JsonObject)map.Node).ContainsKey(key)) throw new InvalidSpecException($"'{key}' appears twice in one mapping of the {what} (line {line})");
                    map.Key = key;
                    break;
                case Scalar scalar:
                    Add(open, ref root, ScalarValue(scalar));
                    break;
                case SequenceStart or MappingStart:
                    if (open.Count >= PyfiLimits.MaxDepth) throw TooDeep(what, line);
                    if (open.TryPeek(out var parent) && parent.AwaitsKey) throw new InvalidSpecException($"a key in a {what} must be a name, not a list or mapping (line {line})");
                    JsonNode node = current is SequenceStart ? new JsonArray() : new JsonObject();
                    Add(open, ref root, node);
                    open.Push(new Open(node));
                    break;
                case SequenceEnd or MappingEnd:
                    open.Pop();
                    break;
            }
        }

        return root;
    }

    private static void Add(Stack<Open> open, ref JsonNode? root, JsonNode? value)
    {
        if (!open.TryPeek(out var parent)) root = value;
        else if (parent.Node is JsonArray list) list.Add(value);
        else
        {
            ((JsonObject)parent.Node)[parent.Key!] = value;
            parent.Key = null;
        }
    }

    private static InvalidSpecException TooDeep(string what, long line) => new($"the {what} is nested deeper than {PyfiLimits.MaxDepth} levels (line {line})");

    private static InvalidSpecException TooLarge(string what, long line) => new($"the {what} has more than {PyfiLimits.MaxWorkflowFileNodes} nodes (line {line})");

    private static long LineOf(byte[] bytes, long index) => bytes.AsSpan(0, (int)index).Count((byte)'\n') + 1;

    // YamlDotNet says "(Line: 1, Col: 11, Idx: 10) - (Line: 1, Col: 11, Idx: 10): While parsing …": keep the reason, say where once.
    private static string Describe(YamlException e)
    {
        var reason = e.Message;
        var at = reason.IndexOf("): ", StringComparison.Ordinal);
        if (reason.StartsWith('(') && at >= 0) reason = reason[(at + 3)..];
        return $"{reason.TrimEnd('.')} (line {e.Start.Line}, column {e.Start.Column})";
    }

    /// <summary>
    /// YAML's core schema for a plain scalar: null, booleans, numbers; anything quoted is a string. (A writer of YAML
    /// quotes a string this would read as something else.)
    /// </summary>
    public static JsonNode? PlainScalar(string value)
    {
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real)) return JsonValue.Create(real);
        return JsonValue.Create(value);
    }

    private static JsonNode? ScalarValue(Scalar scalar) =>
        scalar.Style is ScalarStyle.Plain or ScalarStyle.Any ? PlainScalar(scalar.Value ?? "") : JsonValue.Create(scalar.Value ?? "");

    // A list or mapping being read; a mapping knows the key its next value is for.
    private sealed class Open(JsonNode node)
    {
        public JsonNode Node { get; } = node;

        public string? Key { get; set; }

        public bool AwaitsKey => Node is JsonObject && Key is null;
    }
}
