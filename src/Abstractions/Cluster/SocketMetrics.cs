using System.Collections.Immutable;

namespace Pyfi;

/// <summary>
/// One socket's figures on one silo since that silo started (<c>pyfi top</c>): the same counts the silo exports as
/// OpenTelemetry metrics (<c>/metrics</c>). Counts are cumulative, so a reader takes rates from two reports; a
/// socket's figures over the cluster are the sum over its silos (calls are counted where the socket runs,
/// executions where the worker runs).
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.SocketMetrics")]
public sealed record SocketMetrics
{
    /// <summary>The socket.</summary>
    [Id(0)] public required string Socket { get; init; }

    /// <summary>Calls accepted (stored) by the socket.</summary>
    [Id(1)] public long Submitted { get; init; }

    /// <summary>Calls that ended succeeded.</summary>
    [Id(2)] public long Succeeded { get; init; }

    /// <summary>Calls that ended failed (no attempts left, or an error that is never retried).</summary>
    [Id(3)] public long Failed { get; init; }

    /// <summary>Attempts that did not succeed (or were lost) and were queued to run again.</summary>
    [Id(4)] public long Retried { get; init; }

    /// <summary>Calls cancelled.</summary>
    [Id(5)] public long Cancelled { get; init; }

    /// <summary>Calls accepted and not ended that no worker has been handed yet (queue depth, now).</summary>
    [Id(6)] public int Queued { get; init; }

    /// <summary>Calls handed to workers, running or written behind a running one (now).</summary>
    [Id(7)] public int InFlight { get; init; }

    /// <summary>Attempts executed by workers on this silo.</summary>
    [Id(8)] public long Executions { get; init; }

    // Id 9 was the executions' summed time (read by nothing: `pyfi top` counts a silo's busy time while attempts run).

    /// <summary>How many took at most each of <see cref="ExecutionBuckets.Bounds"/> (and, last, more than the last bound): not cumulative.</summary>
    [Id(10)] public ImmutableArray<long> ExecutionHistogram { get; init; } = [];

    /// <summary>This socket's plug edges whose calls wait for their target (back pressure), now.</summary>
    [Id(11)] public ImmutableArray<WaitingEdge> Waiting { get; init; } = [];

    /// <summary>Whether the socket's activation (its queue, the calls it holds) is on this silo now.</summary>
    [Id(12)] public bool Active { get; init; }
}

/// <summary>The execution-time histogram's buckets (seconds), shared by the silo's OpenTelemetry histogram and <c>pyfi top</c>.</summary>
public static class ExecutionBuckets
{
    /// <summary>Upper bounds, in seconds.</summary>
    public static readonly ImmutableArray<double> Bounds =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    /// <summary>The bucket <paramref name="seconds"/> falls in.</summary>
    public static int IndexOf(double seconds)
    {
        for (var i = 0; i < Bounds.Length; i++)
        {
            if (seconds <= Bounds[i]) return i;
        }

        return Bounds.Length;
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0..1) of the executions counted in <paramref name="counts"/> (one count per
    /// bucket), as the upper bound of the bucket it falls in; the last, open bucket gives the last bound (read: at
    /// least that). Null with no executions.
    /// </summary>
    public static double? Quantile(IReadOnlyList<long> counts, double quantile)
    {
        var total = counts.Sum();
        if (total == 0) return null;
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            seen += counts[i];
            if (seen >= rank) return Bounds[Math.Min(i, Bounds.Length - 1)];
        }

        return Bounds[^1];
    }
}
