using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One workflow, keyed by its id: it stores the graph it is given and runs it in the network, step by step,
/// until it ends, whether or not anyone waits for it. It survives its silo: it is taken up again from storage
/// (its steps are idempotent submissions, so a step already submitted is not submitted twice).
/// </summary>
public interface IWorkflowGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Stores <paramref name="graph"/> and starts running it. Starting a workflow that exists returns it as it is.
    /// Throws <see cref="InvalidSpecException"/> for a malformed graph and <see cref="NotFoundException"/> for a socket that does not exist.
    /// </summary>
    [ClientAccess(PyfiPermission.Submit, "start workflows")]
    Task<FlowInfo> StartAsync(FlowStep graph);

    /// <summary>The workflow as it is now; throws <see cref="NotFoundException"/> for an unknown id.</summary>
    [ClientAccess(PyfiPermission.Read, "read workflows")]
    [AlwaysInterleave] Task<FlowInfo> GetAsync();

    /// <summary>
    /// Where the workflow is (its state, steps ended of all), without its graph and steps: what watchers ask for,
    /// cheap whatever the workflow's size. Throws <see cref="NotFoundException"/> for an unknown id.
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "read workflows")]
    [AlwaysInterleave] Task<FlowProgress> GetProgressAsync();

    /// <summary>
    /// The workflow as it is now without its graph and steps (<see cref="FlowSummary"/>), cheap whatever its size.
    /// Throws <see cref="NotFoundException"/> for an unknown id.
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "read workflows")]
    [AlwaysInterleave] Task<FlowSummary> GetSummaryAsync();

    /// <summary>The workflow once it has ended, or as it is when <paramref name="timeout"/> passes (at most 25 s).</summary>
    [ClientAccess(PyfiPermission.Read, "read workflows")]
    [AlwaysInterleave] Task<FlowInfo> WaitAsync(TimeSpan timeout);

    /// <summary>Cancels the workflow: no step starts after this, and the steps not ended are cancelled.</summary>
    [ClientAccess(PyfiPermission.Operate, "cancel workflows")]
    Task<FlowInfo> CancelAsync();

    /// <summary>Makes sure the workflow is running (activated) if it has not ended; used by the call sweeper.</summary>
    Task ResumeAsync();
}
