namespace Pyfi;

/// <summary>
/// One executing slot of a socket (key <c>socket#index</c>, index below the socket's concurrency): it owns a
/// Python worker process on the silo it was placed on, one core's worth, and runs one attempt at a time.
/// Placed by the per-core placement director; it lets its core go when idle.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Runs one attempt and reports how it ended; renews the attempt's lease while it runs (and stops it if the
    /// renewal is refused: the call was cancelled or taken up elsewhere). Never throws for the call's own
    /// failures. Its response may take as long as the longest attempt.
    /// </summary>
    [ResponseTimeout("7.00:10:00")]
    Task<WorkResult> ExecuteAsync(WorkItem item);

    /// <summary>Stops call <paramref name="callId"/> if this slot runs it, or has it waiting: its Python process is killed.</summary>
    [Orleans.Concurrency.AlwaysInterleave] Task CancelAsync(Guid callId);

    /// <summary>
    /// Another socket is waiting for a core: give this one back if idle, or if held for a long stretch
    /// (so a busy socket cannot keep cores from the others forever).
    /// </summary>
    [Orleans.Concurrency.OneWay] Task YieldCoreAsync();
}
