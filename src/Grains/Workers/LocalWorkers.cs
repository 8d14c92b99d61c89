using System.Collections.Concurrent;

namespace Pyfi.Grains.Workers;

/// <summary>
/// The worker slots active on this silo and how each is doing, kept in memory by the worker grains themselves
/// (no messages: a call's start and end only bump counters here). <see cref="NodeReporter"/> sends a copy to
/// the slot ledger every few seconds, which is what <c>pyfi ls workers</c> shows.
/// </summary>
public sealed class LocalWorkers
{
    private readonly ConcurrentDictionary<GrainId, WorkerStatus> _workers = new();

    // The slots' execution time, kept here rather than per worker so it survives a worker's deactivation: attempts
    // ended add their time; attempts running are counted up to the moment asked (how many, and the sum of their
    // starts, so two a slot overlaps as one ends and the one written behind it begins are each counted once).
    private readonly Lock _clock = new();
    private long _executedTicks;
    private int _executing;
    private long _executingSinceTicks;

    /// <summary>Registers an activated worker; returns the status object it keeps up to date.</summary>
    public WorkerStatus Add(GrainId worker, DateTimeOffset since)
    {
        var status = new WorkerStatus(worker.Key.ToString()!, since);
        _workers[worker] = status;
        return status;
    }

    /// <summary>Forgets a worker that deactivated.</summary>
    public void Remove(GrainId worker) => _workers.TryRemove(worker, out _);

    /// <summary>An attempt's process began it at <paramref name="began"/>.</summary>
    public void ExecutionBegan(DateTimeOffset began)
    {
        lock (_clock)
        {
            _executing++;
            _executingSinceTicks += began.UtcTicks;
        }
    }

    /// <summary>The attempt begun at <paramref name="began"/> ended at <paramref name="ended"/>.</summary>
    public void ExecutionEnded(DateTimeOffset began, DateTimeOffset ended)
    {
        lock (_clock)
        {
            _executing--;
            _executingSinceTicks -= began.UtcTicks;
            _executedTicks += Math.Max(0, ended.UtcTicks - began.UtcTicks);
        }
    }

    /// <summary>Seconds this silo's slots have spent executing attempts until <paramref name="now"/>, those running included.</summary>
    public double ExecutedSeconds(DateTimeOffset now)
    {
        lock (_clock)
        {
            return (double)(_executedTicks + Math.Max(0, (_executing * now.UtcTicks) - _executingSinceTicks)) / TimeSpan.TicksPerSecond;
        }
    }

    /// <summary>Workers running an attempt now.</summary>
    public int Busy() => _workers.Values.Count(w => Volatile.Read(ref w.Running) > 0);

    /// <summary>The workers as they are now, for a report from <paramref name="silo"/> on <paramref name="host"/>.</summary>
    public WorkerInfo[] Snapshot(string silo, string host) =>
    [
        .. _workers.Values.Select(w =>
        {
            var (socket, slot) = WorkerKey.Parse(w.Key);
            return new WorkerInfo(w.Key, socket, slot, silo, host, w.Pid, Volatile.Read(ref w.Running), Interlocked.Read(ref w.CallsDone), w.Since);
        }).OrderBy(w => w.Socket, StringComparer.Ordinal).ThenBy(w => w.Slot),
    ];
}

/// <summary>One worker's counters, written by its grain and read by the reporter.</summary>
/// <param name="key">The worker's key, <c>socket#slot</c>.</param>
/// <param name="since">When it was activated.</param>
public sealed class WorkerStatus(string key, DateTimeOffset since)
{
    /// <summary>Attempts running now.</summary>
    public int Running;

    /// <summary>Attempts run to an answer.</summary>
    public long CallsDone;

    /// <summary>The worker's key.</summary>
    public string Key { get; } = key;

    /// <summary>When it was activated.</summary>
    public DateTimeOffset Since { get; } = since;

    /// <summary>The Python process it has rented, if any.</summary>
    public int? Pid { get; set; }
}
