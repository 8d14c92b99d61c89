using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pyfi.Protocol;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pyfi.Cli.Commands.Flows;

/// <summary>
/// Workflows written as YAML or JSON (<c>pyfi flow run -f FILE</c>). A step is one of:
/// <code>
/// socket: do_something        # a call; args and kwargs are optional
/// args: [One]                 # one value that is not a list is one argument
/// kwargs: {retries: 2}
///
/// pipeline: [step, ...]       # each result first in the next step's arguments
/// parallel: [step, ...]       # the list of results, in order
/// funnel: [step, ...]         # the list of results ...
/// final: step                 # ... first in this step's arguments
/// </code>
/// Errors name where in the file the step is (<c>funnel[1].parallel[0]</c>) and what is wrong. The file is read
/// event by event, without recursion, and refused as soon as its lists and mappings nest deeper than
/// <see cref="PyfiLimits.MaxDepth"/>, it holds more than <see cref="PyfiLimits.MaxWorkflowFileNodes"/> nodes, or
/// it uses a YAML anchor or alias (one alias can stand for a tree a billion nodes large); a workflow may then
/// have at most <see cref="PyfiLimits.MaxWorkflowCalls"/> calls.
/// </summary>
public static class FlowFile
{
    private static readonly string[] CallKeys = ["socket", "args", "kwargs"];

    /// <summary>Reads a workflow from YAML or JSON text; throws <see cref="InvalidSpecException"/> saying what is wrong and where.</summary>
    public static FlowStep Parse(string text)
    {
        JsonNode? root;
        try
        {
            var trimmed = text.TrimStart();
            root = trimmed.StartsWith('{') || trimmed.StartsWith('[') ? ReadJson(text) : ReadYaml(text);
        }
        catch (YamlException e)
        {
            throw new InvalidSpecException($"the workflow file is not valid YAML or JSON: {Describe(e)}");
        }
        catch (JsonException e)
        {
            throw new InvalidSpecException($"the workflow file is not valid YAML or JSON: {PyfiJson.Describe(e)}");
        }

        if (root is null) throw new InvalidSpecException("the workflow file is empty");
        var calls = 0;
        return Step(root, "the workflow", ref calls);
    }

    // Recursion here is as deep as the file's nesting, which reading bounded.
    private static FlowStep Step(JsonNode node, string where, ref int calls)
    {
        if (node is not JsonObject step) throw new InvalidSpecException($"{where}: a step is a mapping with socket, pipeline, parallel or funnel");
        var kinds = new[] { "socket", "pipeline", "parallel", "funnel" }.Where(step.ContainsKey).ToList();
        if (kinds.Count != 1)
        {
            throw new InvalidSpecException(kinds.Count == 0
                ? $"{where}: a step needs one of socket, pipeline, parallel or funnel (it has {Keys(step)})"
                : $"{where}: a step is one of socket, pipeline, parallel or funnel, not {string.Join(" and ", kinds)}");
        }

        var kind = kinds[0];
        var allowed = kind switch { "socket" => CallKeys, "funnel" => ["funnel", "final"], _ => [kind] };
        if (step.Select(p => p.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } unknown)
            throw new InvalidSpecException($"{where}: '{unknown}' does not belong in a {(kind == "socket" ? "call" : kind)} step (it may have {string.Join(", ", allowed)})");

        switch (kind)
        {
            case "socket":
                if (step["socket"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
                    throw new InvalidSpecException($"{where}: socket must be a name");
                var args = step["args"] switch
                {
                    null when !step.ContainsKey("args") => new JsonArray(),
                    JsonArray list => list,
                    var one => new JsonArray(one?.DeepClone()),
                };
                if (step.ContainsKey("kwargs") && step["kwargs"] is not JsonObject)
                    throw new InvalidSpecException($"{where}: kwargs must be a mapping of names to values");
                if (++calls > PyfiLimits.MaxWorkflowCalls) throw new InvalidSpecException($"a workflow may have at most {PyfiLimits.MaxWorkflowCalls} calls");
                return FlowStep.Call(name.GetValue<string>(), args.ToJsonString(), step["kwargs"]?.ToJsonString());
            case "funnel":
                if (!step.ContainsKey("final")) throw new InvalidSpecException($"{where}: a funnel needs a final step (final: …)");
                var headers = Steps(step["funnel"], $"{where}.funnel", ref calls);
                return FlowStep.Funnel(headers, Step(step["final"]!, $"{where}.final", ref calls));
            case "pipeline":
                return FlowStep.Pipeline(Steps(step[kind], $"{where}.{kind}", ref calls));
            default:
                return FlowStep.Parallel(Steps(step[kind], $"{where}.{kind}", ref calls));
        }
    }

    private static List<FlowStep> Steps(JsonNode? node, string where, ref int calls)
    {
        if (node is not JsonArray { Count: > 0 } list) throw new InvalidSpecException($"{where}: needs a list of one or more steps");
        var steps = new List<FlowStep>(list.Count);
        for (var i = 0; i < list.Count; i++) steps.Add(Step(list[i] ?? throw new InvalidSpecException($"{where}[{i}]: is empty"), $"{where}[{i}]", ref calls));
        return steps;
    }

    private static string Keys(JsonObject step) => step.Count == 0 ? "nothing" : string.Join(", ", step.Select(p => p.Key));

    // JSON: one pass that holds nothing checks depth and size, then the tree is built, now known to be within both.
    private static JsonNode? ReadJson(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        // One level more than allowed, so that the too-deep token is ours to report, with its line.
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = PyfiLimits.MaxDepth + 1 });
        var nodes = 0;
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject) continue;
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && reader.CurrentDepth >= PyfiLimits.MaxDepth)
                throw TooDeep(LineOf(bytes, reader.TokenStartIndex));
            if (++nodes > PyfiLimits.MaxWorkflowFileNodes) throw TooLarge(LineOf(bytes, reader.TokenStartIndex));
        }

        return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = PyfiLimits.MaxDepth, AllowDuplicateProperties = false });
    }

    // YAML: the parser's events folded into a tree, with a stack of the lists and mappings open.
    private static JsonNode? ReadYaml(string text)
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
            if (current is AnchorAlias) throw new InvalidSpecException($"aliases are not allowed in a workflow file (line {line})");
            if (current is NodeEvent { Anchor.IsEmpty: false }) throw new InvalidSpecException($"anchors are not allowed in a workflow file (line {line})");
            switch (current)
            {
                case DocumentStart when ++documents > 1:
                    throw new InvalidSpecException($"a workflow file holds one YAML document; another starts at line {line}");
                case Scalar or SequenceStart or MappingStart when ++nodes > PyfiLimits.MaxWorkflowFileNodes:
                    throw TooLarge(line);
                case Scalar { Value: var key } when open.TryPeek(out var map) && map.AwaitsKey:
                    if (((JsonObject)map.Node).ContainsKey(key)) throw new InvalidSpecException($"'{key}' appears twice in one mapping of the workflow file (line {line})");
                    map.Key = key;
                    break;
                case Scalar scalar:
                    Add(open, ref root, ScalarValue(scalar));
                    break;
                case SequenceStart or MappingStart:
                    if (open.Count >= PyfiLimits.MaxDepth) throw TooDeep(line);
                    if (open.TryPeek(out var parent) && parent.AwaitsKey) throw new InvalidSpecException($"a key in a workflow file must be a name, not a list or mapping (line {line})");
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

    private static InvalidSpecException TooDeep(long line) => new($"the workflow file is nested deeper than {PyfiLimits.MaxDepth} levels (line {line})");

    private static InvalidSpecException TooLarge(long line) => new($"the workflow file has more than {PyfiLimits.MaxWorkflowFileNodes} nodes (line {line})");

    private static long LineOf(byte[] bytes, long index) => bytes.AsSpan(0, (int)index).Count((byte)'\n') + 1;

    // YamlDotNet says "(Line: 1, Col: 11, Idx: 10) - (Line: 1, Col: 11, Idx: 10): While parsing …": keep the reason, say where once.
    private static string Describe(YamlException e)
    {
        var reason = e.Message;
        var at = reason.IndexOf("): ", StringComparison.Ordinal);
        if (reason.StartsWith('(') && at >= 0) reason = reason[(at + 3)..];
        return $"{reason.TrimEnd('.')} (line {e.Start.Line}, column {e.Start.Column})";
    }

    // YAML's core schema for plain scalars: null, booleans, numbers; anything quoted is a string.
    private static JsonNode? ScalarValue(Scalar scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real)) return JsonValue.Create(real);
        return JsonValue.Create(value);
    }

    // A list or mapping being read; a mapping knows the key its next value is for.
    private sealed class Open(JsonNode node)
    {
        public JsonNode Node { get; } = node;

        public string? Key { get; set; }

        public bool AwaitsKey => Node is JsonObject && Key is null;
    }
}
