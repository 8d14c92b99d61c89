using System.Text.Json;
using System.Text.Json.Nodes;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;

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
/// within <see cref="BoundedDocument"/>'s bounds; a workflow may then have at most <see cref="PyfiLimits.MaxWorkflowCalls"/> calls.
/// </summary>
public static class FlowFile
{
    private static readonly string[] CallKeys = ["socket", "args", "kwargs"];

    /// <summary>Reads a workflow from YAML or JSON text; throws <see cref="InvalidSpecException"/> saying what is wrong and where.</summary>
    public static FlowStep Parse(string text)
    {
        var calls = 0;
        return Step(BoundedDocument.Read(text, "workflow file"), "the workflow", ref calls);
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
}
