using System.Collections.Immutable;

namespace Pyfi;

/// <summary>What a node of a workflow's graph does with its input.</summary>
[GenerateSerializer]
public enum FlowStepKind
{
    /// <summary>One call of a socket: its input, if any, is prepended to its bound arguments.</summary>
    Call,

    /// <summary>Its steps in sequence, each one's result the first argument of the next (Celery's chain).</summary>
    Pipeline,

    /// <summary>Its steps at once, each given the same input; the result is the list of their results in order (a group).</summary>
    Parallel,

    /// <summary>Its steps at once, then <see cref="FlowStep.Final"/> with the list of their results as its first argument (a chord).</summary>
    Funnel,
}

/// <summary>
/// A workflow as data: a tree of calls composed by pipelines, parallels and funnels (the original's
/// <c>pipeline</c>, <c>parallel</c> and <c>funnel</c>). A workflow grain stores it and runs it.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.FlowStep")]
public sealed record FlowStep
{
    /// <summary>What this node does.</summary>
    [Id(0)] public required FlowStepKind Kind { get; init; }

    /// <summary>For a call: the socket.</summary>
    [Id(1)] public string? Socket { get; init; }

    /// <summary>For a call: its bound positional arguments (JSON array text). An input is put before them.</summary>
    [Id(2)] public string Args { get; init; } = "[]";

    /// <summary>For a call: its keyword arguments (JSON object text), if any.</summary>
    [Id(3)] public string? Kwargs { get; init; }

    /// <summary>For a pipeline, a parallel or a funnel: the steps it composes, in order.</summary>
    [Id(4)] public ImmutableArray<FlowStep> Steps { get; init; } = [];

    /// <summary>For a funnel: the step given the list of the others' results.</summary>
    [Id(5)] public FlowStep? Final { get; init; }

    /// <summary>A call of <paramref name="socket"/> bound to <paramref name="args"/> (a JSON array).</summary>
    public static FlowStep Call(string socket, string args = "[]", string? kwargs = null) =>
        new() { Kind = FlowStepKind.Call, Socket = socket, Args = args, Kwargs = kwargs };

    /// <summary>The steps in sequence, each one's result the first argument of the next.</summary>
    public static FlowStep Pipeline(IEnumerable<FlowStep> steps) => new() { Kind = FlowStepKind.Pipeline, Steps = [.. steps] };

    /// <summary>The steps at once; the result is the list of their results.</summary>
    public static FlowStep Parallel(IEnumerable<FlowStep> steps) => new() { Kind = FlowStepKind.Parallel, Steps = [.. steps] };

    /// <summary>The steps at once, then <paramref name="final"/> with the list of their results as its first argument.</summary>
    public static FlowStep Funnel(IEnumerable<FlowStep> steps, FlowStep final) => new() { Kind = FlowStepKind.Funnel, Steps = [.. steps], Final = final };

    /// <summary>The calls of this graph in the order they are numbered (depth first; a funnel's final after its steps).</summary>
    public IEnumerable<FlowStep> Calls()
    {
        if (Kind == FlowStepKind.Call)
        {
            yield return this;
            yield break;
        }

        foreach (var step in Steps)
        {
            foreach (var call in step.Calls()) yield return call;
        }

        if (Final is not null)
        {
            foreach (var call in Final.Calls()) yield return call;
        }
    }
}
