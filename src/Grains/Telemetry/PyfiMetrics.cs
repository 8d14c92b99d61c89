using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Pyfi.Grains.Workers;

namespace Pyfi.Grains.Telemetry;

/// <summary>
/// This silo's Pyfi metrics (meter <see cref="MeterName"/>): calls submitted, succeeded, failed, retried and
/// cancelled per socket, queue depth and calls in flight per socket, an execution-time histogram per socket, and
/// worker slot use. Exported by OpenTelemetry (the silo's <c>/metrics</c> for Prometheus); the same figures are
/// kept here as plain counts, which <see cref="NodeReporter"/> sends with the silo's report for <c>pyfi top</c>.
/// The grains only bump counters: nothing here sends a message or takes a lock on the call path.
/// </summary>
public sealed class PyfiMetrics
{
    /// <summary>The meter's name, for an OpenTelemetry <c>AddMeter</c>.</summary>
    public const string MeterName = "Pyfi";

    private readonly ConcurrentDictionary<string, SocketTally> _sockets = new(StringComparer.Ordinal);
    private readonly Counter<long> _submitted;
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _cancelled;
    private readonly Histogram<double> _execution;

    /// <summary>Makes the instruments on a meter from <paramref name="meters"/>.</summary>
    public PyfiMetrics(IMeterFactory meters, LocalWorkers workers, IOptions<PyfiRuntimeOptions> runtime)
    {
        var options = runtime.Value;
        var meter = meters.Create(MeterName);
        _submitted = meter.CreateCounter<long>("pyfi.calls.submitted", "{call}", "Calls accepted (stored) by their socket");
        _succeeded = meter.CreateCounter<long>("pyfi.calls.succeeded", "{call}", "Calls that ended succeeded");
        _failed = meter.CreateCounter<long>("pyfi.calls.failed", "{call}", "Calls that ended failed");
        _retried = meter.CreateCounter<long>("pyfi.calls.retried", "{attempt}", "Attempts that did not succeed, or were lost, and were queued to run again");
        _cancelled = meter.CreateCounter<long>("pyfi.calls.cancelled", "{call}", "Calls cancelled");
        _execution = meter.CreateHistogram("pyfi.call.execution", "s", "Time an attempt ran in its Python worker",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ExecutionBuckets.Bounds });
        meter.CreateObservableGauge("pyfi.socket.queued", () => Gauge(t => Volatile.Read(ref t.Queued)), "{call}",
            "Calls accepted and not ended that no worker has been handed yet (queue depth)");
        meter.CreateObservableGauge("pyfi.socket.in_flight", () => Gauge(t => Volatile.Read(ref t.InFlight)), "{call}",
            "Calls handed to workers: running, or written behind a running one");
        meter.CreateObservableGauge("pyfi.slots.capacity", () => options.Cores, "{slot}", "Executing slots this silo offers (one per core)");
        meter.CreateObservableGauge("pyfi.slots.busy", () => workers.Busy(), "{slot}", "Worker slots on this silo running an attempt now");
        meter.CreateObservableGauge("pyfi.slots.utilization", () => options.Cores > 0 ? (double)workers.Busy() / options.Cores : 0, "1",
            "Busy slots over the slots this silo offers, now (over time: rate of pyfi.call.execution's sum over capacity)");
    }

    /// <summary>The counts of <paramref name="socket"/> on this silo, for its grain to keep up to date.</summary>
    public SocketTally For(string socket) => _sockets.GetOrAdd(socket, static name => new SocketTally(name));

    /// <summary>A call was accepted.</summary>
    public void Submitted(SocketTally tally)
    {
        Interlocked.Increment(ref tally.Submitted);
        _submitted.Add(1, Tag(tally));
    }

    /// <summary>A call ended in <paramref name="state"/> (stored by its socket).</summary>
    public void Ended(SocketTally tally, CallState state)
    {
        switch (state)
        {
            case CallState.Succeeded:
                Interlocked.Increment(ref tally.Succeeded);
                _succeeded.Add(1, Tag(tally));
                break;
            case CallState.Failed:
                Interlocked.Increment(ref tally.Failed);
                _failed.Add(1, Tag(tally));
                break;
            case CallState.Cancelled:
                Interlocked.Increment(ref tally.Cancelled);
                _cancelled.Add(1, Tag(tally));
                break;
        }
    }

    /// <summary>An attempt ended without success (or was lost) and the call was queued again.</summary>
    public void Retried(SocketTally tally)
    {
        Interlocked.Increment(ref tally.Retried);
        _retried.Add(1, Tag(tally));
    }

    /// <summary>An attempt of a call of <paramref name="tally"/>'s socket ran for <paramref name="seconds"/> on a worker of this silo.</summary>
    public void Executed(SocketTally tally, double seconds)
    {
        tally.Record(seconds);
        _execution.Record(seconds, Tag(tally));
    }

    /// <summary>Every socket's counts as they are now.</summary>
    public ImmutableArray<SocketMetrics> Snapshot() =>
        [.. _sockets.Values.Select(t => t.Snapshot()).OrderBy(s => s.Socket, StringComparer.Ordinal)];

    private IEnumerable<Measurement<int>> Gauge(Func<SocketTally, int> value) =>
        _sockets.Values.Select(t => new Measurement<int>(value(t), Tag(t)));

    private static KeyValuePair<string, object?> Tag(SocketTally tally) => new("socket", tally.Socket);
}

/// <summary>One socket's counts on this silo: written by its socket and worker grains, read by the reporter and the gauges.</summary>
public sealed class SocketTally(string socket)
{
    private readonly long[] _histogram = new long[ExecutionBuckets.Bounds.Length + 1];
    private long _executions;
    private volatile WaitingEdge[] _waiting = [];

    /// <summary>The socket.</summary>
    public string Socket { get; } = socket;

    /// <summary>Counts since the silo started.</summary>
    public long Submitted, Succeeded, Failed, Retried, Cancelled;

    /// <summary>Set by the socket's activation as its queue changes; zero when it is not active here.</summary>
    public int Queued, InFlight;

    /// <summary>Whether the socket's activation is on this silo (set as it activates and deactivates).</summary>
    public volatile bool Active;

    /// <summary>Set by the socket's plug delivery grain: the edges whose calls wait for their target (none: empty).</summary>
    public void Waiting(WaitingEdge[] edges) => _waiting = edges;

    /// <summary>Counts an execution of <paramref name="seconds"/>.</summary>
    public void Record(double seconds)
    {
        Interlocked.Increment(ref _histogram[ExecutionBuckets.IndexOf(seconds)]);
        Interlocked.Increment(ref _executions);
    }

    /// <summary>The counts now (read one by one: a report may be a call behind in one of them).</summary>
    public SocketMetrics Snapshot() => new()
    {
        Socket = Socket,
        Submitted = Interlocked.Read(ref Submitted),
        Succeeded = Interlocked.Read(ref Succeeded),
        Failed = Interlocked.Read(ref Failed),
        Retried = Interlocked.Read(ref Retried),
        Cancelled = Interlocked.Read(ref Cancelled),
        Queued = Volatile.Read(ref Queued),
        InFlight = Volatile.Read(ref InFlight),
        Executions = Interlocked.Read(ref _executions),
        ExecutionHistogram = [.. Enumerable.Range(0, _histogram.Length).Select(i => Interlocked.Read(ref _histogram[i]))],
        Waiting = [.. _waiting],
        Active = Active,
    };
}
