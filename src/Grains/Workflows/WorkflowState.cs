namespace Pyfi.Grains.Workflows;

/// <summary>
/// What a workflow grain persists: its graph when it starts, and how it ended. Steps are not persisted here:
/// each is a call stored by its socket with the workflow's id and a key naming the step, so a workflow taken
/// up again reads its steps from the calls (<c>PyfiCalls</c>), and a write per step is not needed.
/// </summary>
public sealed class WorkflowState
{
    /// <summary>The graph, once started.</summary>
    public FlowStep? Graph { get; set; }

    /// <summary>When it was started.</summary>
    public DateTimeOffset Created { get; set; }

    /// <summary>Where it is in its life.</summary>
    public FlowState State { get; set; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? Ended { get; set; }

    /// <summary>The result (JSON text), once succeeded.</summary>
    public string? Result { get; set; }

    /// <summary>The failing step's error, once failed.</summary>
    public CallError? Error { get; set; }

    /// <summary>The failing step.</summary>
    public int? FailedStep { get; set; }
}
