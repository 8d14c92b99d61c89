using System.Text.Json;

namespace Pyfi.Grains.Workflows;

/// <summary>
/// A workflow's graph checked and numbered: every call node has a number (depth first, a funnel's final after
/// its steps), which names its step in the calls table (the call's key), so a workflow taken up again finds
/// the calls it already submitted.
/// </summary>
public sealed class FlowGraph
{
    /// <summary>Call steps one workflow may have.</summary>
    public const int MaxSteps = PyfiLimits.MaxWorkflowCalls;

    /// <summary>How deep pipelines, parallels and funnels may nest.</summary>
    public const int MaxDepth = PyfiLimits.MaxDepth;

    private readonly Dictionary<FlowStep, int> _numbers = new(ReferenceEqualityComparer.Instance);

    private FlowGraph(FlowStep root)
    {
        Root = root;
        Calls = [.. root.Calls()];
        for (var i = 0; i < Calls.Count; i++) _numbers[Calls[i]] = i;
    }

    /// <summary>The graph's root.</summary>
    public FlowStep Root { get; }

    /// <summary>The call nodes by number.</summary>
    public IReadOnlyList<FlowStep> Calls { get; }

    /// <summary>The graph checked; throws <see cref="InvalidSpecException"/> saying which node is malformed and why.</summary>
    public static FlowGraph Of(FlowStep root)
    {
        var count = 0;
        Check(root, "the workflow", 1, ref count);
        return new FlowGraph(root);
    }

    /// <summary>The number of a call node of this graph.</summary>
    public int NumberOf(FlowStep call) => _numbers[call];

    /// <summary>The key of step <paramref name="step"/> of workflow <paramref name="flow"/>, unique per socket.</summary>
    public static string KeyOf(Guid flow, int step) => $"{ModelRules.WorkflowKeyPrefix}{flow:N}:{step}";

    /// <summary>The step a call's key names, if it is a step of <paramref name="flow"/>.</summary>
    public static int? StepOf(Guid flow, string? key)
    {
        var prefix = $"{ModelRules.WorkflowKeyPrefix}{flow:N}:";
        return key is not null && key.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(key.AsSpan(prefix.Length), out var step) ? step : null;
    }

    private static void Check(FlowStep node, string where, int depth, ref int count)
    {
        if (depth > MaxDepth) throw new InvalidSpecException($"{where} nests deeper than {MaxDepth} levels");
        switch (node.Kind)
        {
            case FlowStepKind.Call:
                if (string.IsNullOrWhiteSpace(node.Socket)) throw new InvalidSpecException($"{where} is a call without a socket");
                ModelRules.Name("socket", node.Socket);
                if (!node.Steps.IsDefaultOrEmpty || node.Final is not null) throw new InvalidSpecException($"{where} is a call of {node.Socket} and cannot have steps");
                ModelRules.Json($"the arguments of {where} ({node.Socket})", node.Args, JsonValueKind.Array);
                if (node.Kwargs is not null) ModelRules.Json($"the keyword arguments of {where} ({node.Socket})", node.Kwargs, JsonValueKind.Object);
                if (++count > MaxSteps) throw new InvalidSpecException($"a workflow may have at most {MaxSteps} calls");
                return;
            case FlowStepKind.Pipeline or FlowStepKind.Parallel or FlowStepKind.Funnel:
                var kind = node.Kind.ToString().ToLowerInvariant();
                if (node.Steps.IsDefaultOrEmpty) throw new InvalidSpecException($"{where} is a {kind} without steps");
                if (node.Kind == FlowStepKind.Funnel && node.Final is null) throw new InvalidSpecException($"{where} is a funnel without a final step");
                if (node.Kind != FlowStepKind.Funnel && node.Final is not null) throw new InvalidSpecException($"{where} is a {kind} and cannot have a final step (only a funnel has one)");
                for (var i = 0; i < node.Steps.Length; i++) Check(node.Steps[i], $"step {i + 1} of {where}", depth + 1, ref count);
                if (node.Final is not null) Check(node.Final, $"the final step of {where}", depth + 1, ref count);
                return;
            default:
                throw new InvalidSpecException($"{where} has an unknown kind ({(int)node.Kind})");
        }
    }
}
