using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pyfi.Client.Workflows;

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
/// Errors name where in the file the step is (<c>funnel[1].parallel[0]</c>) and what is wrong.
/// </summary>
public static class FlowFile
{
    private static readonly string[] CallKeys = ["socket", "args", "kwargs"];

    /// <summary>Reads a workflow from YAML or JSON text; throws <see cref="InvalidSpecException"/> saying what is wrong and where.</summary>
    public static PyfiStep Parse(string text)
    {
        JsonNode? root;
        try
        {
            root = ToJson(text);
        }
        catch (Exception e) when (e is YamlException or JsonException)
        {
            throw new InvalidSpecException($"the workflow file is not valid YAML or JSON: {e.Message}");
        }

        if (root is null) throw new InvalidSpecException("the workflow file is empty");
        return new PyfiStep(Step(root, "the workflow"));
    }

    private static FlowStep Step(JsonNode node, string where)
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
                return FlowStep.Call(name.GetValue<string>(), args.ToJsonString(), step["kwargs"]?.ToJsonString());
            case "funnel":
                if (!step.ContainsKey("final")) throw new InvalidSpecException($"{where}: a funnel needs a final step (final: …)");
                return FlowStep.Funnel(Steps(step["funnel"], $"{where}.funnel"), Step(step["final"]!, $"{where}.final"));
            case "pipeline":
                return FlowStep.Pipeline(Steps(step[kind], $"{where}.{kind}"));
            default:
                return FlowStep.Parallel(Steps(step[kind], $"{where}.{kind}"));
        }
    }

    private static List<FlowStep> Steps(JsonNode? node, string where)
    {
        if (node is not JsonArray { Count: > 0 } list) throw new InvalidSpecException($"{where}: needs a list of one or more steps");
        return [.. list.Select((step, i) => Step(step ?? throw new InvalidSpecException($"{where}[{i}]: is empty"), $"{where}[{i}]"))];
    }

    private static string Keys(JsonObject step) => step.Count == 0 ? "nothing" : string.Join(", ", step.Select(p => p.Key));

    private static JsonNode? ToJson(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('[')) return JsonNode.Parse(text);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        return yaml.Documents.Count == 0 ? null : ToJson(yaml.Documents[0].RootNode);
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToJson(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidSpecException($"line {node.Start.Line}: aliases and other YAML features are not supported in workflow files"),
    };

    // YAML's core schema for plain scalars: null, booleans, numbers; anything quoted is a string.
    private static JsonNode? Scalar(YamlScalarNode scalar)
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
}
