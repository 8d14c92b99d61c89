namespace Pyfi;

/// <summary>
/// One executing slot of a socket (key <c>socket#index</c>, index below the socket's concurrency): it owns a
/// Python worker process on the silo it was placed on, one core's worth, and runs one attempt at a time.
/// Placed by the per-core placement director; it lets its core go when idle.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs one attempt and reports how it ended. Never throws for the call's own failures.</summary>
    Task<WorkResult> ExecuteAsync(WorkItem item);

    /// <summary>
    /// Another socket is waiting for a core: give this one back if idle, or if held for a long stretch
    /// (so a busy socket cannot keep cores from the others forever).
    /// </summary>
    [Orleans.Concurrency.OneWay] Task YieldCoreAsync();
}
