using System.Collections.Immutable;

namespace Pyfi;

/// <summary>Where a workflow is in its life. It ends once: succeeded, failed or cancelled.</summary>
[GenerateSerializer]
public enum FlowState
{
    /// <summary>Its steps are being run.</summary>
    Running,

    /// <summary>Every step it needed succeeded; the result is stored.</summary>
    Succeeded,

    /// <summary>A step failed after its attempts; nothing after it was started.</summary>
    Failed,

    /// <summary>Cancelled: the steps not ended were cancelled and none was started after.</summary>
    Cancelled,
}

/// <summary>Facts about <see cref="FlowState"/>.</summary>
public static class FlowStates
{
    /// <summary>Whether the workflow has ended.</summary>
    public static bool IsFinal(this FlowState state) => state != FlowState.Running;
}

/// <summary>One call step of a workflow, as it is now.</summary>
/// <param name="Number">The step's number: calls are numbered from 0, depth first, a funnel's final after its steps.</param>
/// <param name="Socket">The socket it calls.</param>
/// <param name="Call">The call, once submitted.</param>
/// <param name="State">The call's state, or <see langword="null"/> while the step waits for its input.</param>
[GenerateSerializer, Immutable, Alias("pyfi.FlowStepInfo")]
public sealed record FlowStepInfo(
    [property: Id(0)] int Number,
    [property: Id(1)] string Socket,
    [property: Id(2)] Guid? Call,
    [property: Id(3)] CallState? State);

/// <summary>
/// A workflow as it is now without its graph and steps: what <c>pyfi flow result</c> and <c>flow cancel</c> print,
/// cheap whatever the workflow's size (a 100,000-step workflow's whole record is tens of megabytes).
/// </summary>
/// <param name="Id">The workflow's id.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Result">Its result (JSON text), once it succeeded.</param>
/// <param name="Error">Why it failed: the failing step's error.</param>
/// <param name="Failed">The step whose failure failed it.</param>
/// <param name="Done">Steps ended.</param>
/// <param name="Total">Call steps in its graph.</param>
[GenerateSerializer, Immutable, Alias("pyfi.FlowSummary")]
public sealed record FlowSummary(
    [property: Id(0)] Guid Id,
    [property: Id(1)] FlowState State,
    [property: Id(2)] string? Result,
    [property: Id(3)] CallError? Error,
    [property: Id(4)] FlowStepInfo? Failed,
    [property: Id(5)] int Done,
    [property: Id(6)] int Total)
{
    /// <summary>The summary of <paramref name="flow"/>.</summary>
    public static FlowSummary Of(FlowInfo flow) => new(flow.Id, flow.State, flow.Result, flow.Error,
        flow.FailedStep is { } n && n < flow.Steps.Length ? flow.Steps[n] : null, flow.Done, flow.Total);
}

/// <summary>A workflow as it is now: its graph, state, result or error, and each step.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.FlowInfo")]
public sealed record FlowInfo
{
    /// <summary>The workflow's id.</summary>
    [Id(0)] public required Guid Id { get; init; }

    /// <summary>Where it is in its life.</summary>
    [Id(1)] public required FlowState State { get; init; }

    /// <summary>Its graph as submitted.</summary>
    [Id(2)] public required FlowStep Graph { get; init; }

    /// <summary>When it was submitted.</summary>
    [Id(3)] public required DateTimeOffset Created { get; init; }

    /// <summary>When it ended.</summary>
    [Id(4)] public DateTimeOffset? Ended { get; init; }

    /// <summary>Its result (JSON text), once it succeeded: the result of its graph's root.</summary>
    [Id(5)] public string? Result { get; init; }

    /// <summary>Why it failed: the failing step's error.</summary>
    [Id(6)] public CallError? Error { get; init; }

    /// <summary>The step whose failure failed it.</summary>
    [Id(7)] public int? FailedStep { get; init; }

    /// <summary>Steps ended (succeeded, failed or cancelled).</summary>
    [Id(8)] public int Done { get; init; }

    /// <summary>Call steps in its graph.</summary>
    [Id(9)] public int Total { get; init; }

    /// <summary>Each call step, by number.</summary>
    [Id(10)] public ImmutableArray<FlowStepInfo> Steps { get; init; } = [];
}

/// <summary>
/// A change of a workflow, pushed on its stream (<see cref="FlowStreams"/>): a step that was submitted or ended,
/// or the workflow's end.
/// </summary>
/// <param name="Flow">The workflow.</param>
/// <param name="State">The workflow's state after the change.</param>
/// <param name="Done">Steps ended so far.</param>
/// <param name="Total">Call steps in the workflow.</param>
/// <param name="Step">The step that changed, if a step did.</param>
[GenerateSerializer, Immutable, Alias("pyfi.FlowProgress")]
public sealed record FlowProgress(
    [property: Id(0)] Guid Flow,
    [property: Id(1)] FlowState State,
    [property: Id(2)] int Done,
    [property: Id(3)] int Total,
    [property: Id(4)] FlowStepInfo? Step);

/// <summary>Where workflows publish their progress.</summary>
public static class FlowStreams
{
    /// <summary>The stream provider's name, on silos and clients.</summary>
    public const string Provider = "pyfi";

    /// <summary>The streams' namespace; a workflow's stream is keyed by its id.</summary>
    public const string Namespace = "pyfi.flow";

    /// <summary>
    /// The provider's queues, the same on silos and clients (a stream's queue is its id's hash over them). One: each
    /// queue is a pulling agent that asks its queue for events ten times a second, busy or idle, and Orleans' default
    /// of eight per provider cost an idle silo a third of its CPU (bench/README.md, "idle.sh").
    /// </summary>
    public const int Queues = 1;
}
