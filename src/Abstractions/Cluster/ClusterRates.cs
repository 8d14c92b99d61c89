namespace Pyfi;

/// <summary>
/// The cluster's rates from its silos' reports (<c>pyfi top</c>): give it each new <see cref="AgentInfo"/>[] and it
/// keeps every silo's last two distinct reports, so rates are over a silo's last report period (2 s), whenever
/// they are asked for. A silo seen once has no rates yet; a silo gone is dropped.
/// </summary>
public sealed class ClusterRates
{
    private readonly Dictionary<string, (AgentInfo? Previous, AgentInfo Current)> _silos = new(StringComparer.Ordinal);

    /// <summary>Whether every silo has reported twice, so the rates cover all of them.</summary>
    public bool Complete => _silos.Values.All(s => s.Previous is not null);

    /// <summary>Takes the silos' reports as they are at <paramref name="now"/> and returns the cluster's figures.</summary>
    public ClusterSample Add(IReadOnlyCollection<AgentInfo> agents, DateTimeOffset now)
    {
        foreach (var gone in _silos.Keys.Except(agents.Select(a => a.Silo)).ToList()) _silos.Remove(gone);
        foreach (var agent in agents)
        {
            if (!_silos.TryGetValue(agent.Silo, out var known)) _silos[agent.Silo] = (null, agent);
            else if (agent.Reported > known.Current.Reported) _silos[agent.Silo] = (known.Current, agent);
            else _silos[agent.Silo] = (known.Previous, agent); // the same report; only the ledger's busy count may differ
        }

        var silos = _silos.Values.OrderBy(s => s.Current.Host, StringComparer.Ordinal).ThenBy(s => s.Current.Silo, StringComparer.Ordinal).ToList();
        var siloRates = silos.Select(s => Silo(s.Previous, s.Current)).ToArray();
        var sockets = silos
            .SelectMany(s => s.Current.Sockets.Select(m => (Previous: Before(s.Previous, m.Socket), Current: m, Seconds: Seconds(s.Previous, s.Current))))
            .GroupBy(x => x.Current.Socket, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Socket(g.Key, [.. g]))
            .ToArray();
        var cores = siloRates.Sum(s => s.Cores);
        return new ClusterSample(
            now,
            cores,
            siloRates.Sum(s => s.Busy),
            cores == 0 ? 0 : siloRates.Sum(s => s.Utilization * s.Cores) / cores,
            siloRates,
            sockets);
    }

    private static SiloRates Silo(AgentInfo? previous, AgentInfo current)
    {
        var seconds = Seconds(previous, current);
        // Counted while attempts run, not when they end: a report period within a long call is as busy as it was.
        var executed = previous is null ? 0 : current.ExecutedSeconds - previous.ExecutedSeconds;
        var utilization = seconds > 0 && current.Cores > 0 ? Math.Clamp(executed / (seconds * current.Cores), 0, 1) : 0;
        return new SiloRates(current.Silo, current.Host, current.Cores, current.CoresBusy, utilization, current.Load, current.SiloMemoryMb);
    }

    private static SocketRates Socket(string socket, List<(SocketMetrics? Previous, SocketMetrics Current, double Seconds)> silos)
    {
        double Rate(Func<SocketMetrics, long> count) =>
            silos.Sum(s => s.Previous is { } p && s.Seconds > 0 ? Math.Max(0, count(s.Current) - count(p)) / s.Seconds : 0);

        var histogram = new long[ExecutionBuckets.Bounds.Length + 1];
        foreach (var (previous, current, _) in silos)
        {
            if (previous is null) continue;
            for (var i = 0; i < histogram.Length && i < current.ExecutionHistogram.Length; i++)
            {
                histogram[i] += Math.Max(0, current.ExecutionHistogram[i] - (i < previous.ExecutionHistogram.Length ? previous.ExecutionHistogram[i] : 0));
            }
        }

        var now = silos.Select(s => s.Current).ToList();
        return new SocketRates(
            socket,
            now.Sum(m => m.Queued),
            now.Sum(m => m.InFlight),
            Rate(m => m.Submitted),
            Rate(m => m.Succeeded),
            Rate(m => m.Failed),
            Rate(m => m.Retried),
            ExecutionBuckets.Quantile(histogram, 0.5),
            ExecutionBuckets.Quantile(histogram, 0.95),
            now.Sum(m => m.Submitted),
            now.Sum(m => m.Succeeded),
            now.Sum(m => m.Failed),
            now.Sum(m => m.Retried),
            now.Sum(m => m.Cancelled),
            [.. now.SelectMany(m => m.Waiting).GroupBy(w => w.Target, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new WaitingEdge(g.Key, g.Sum(w => w.Calls), g.First().Reason))]);
    }

    // A socket's figures in a silo's previous report: none before its first call there, so from zero.
    private static SocketMetrics? Before(AgentInfo? previous, string socket) =>
        previous is null ? null : previous.Sockets.FirstOrDefault(p => p.Socket == socket) ?? new SocketMetrics { Socket = socket };

    private static double Seconds(AgentInfo? previous, AgentInfo current) =>
        previous is null ? 0 : (current.Reported - previous.Reported).TotalSeconds;
}

/// <summary>The cluster at one moment (<c>pyfi top</c>): rates are over each silo's last report period.</summary>
/// <param name="Time">When it was taken.</param>
/// <param name="Cores">Cores the silos offer.</param>
/// <param name="Busy">Cores worker slots hold now.</param>
/// <param name="Utilization">Share of the offered cores' time spent executing attempts (0..1).</param>
/// <param name="Silos">Each silo.</param>
/// <param name="Sockets">Each socket, over the silos.</param>
public sealed record ClusterSample(DateTimeOffset Time, int Cores, int Busy, double Utilization, SiloRates[] Silos, SocketRates[] Sockets);

/// <summary>One silo in a <see cref="ClusterSample"/>.</summary>
/// <param name="Silo">Its address.</param>
/// <param name="Host">Its host.</param>
/// <param name="Cores">Cores it offers.</param>
/// <param name="Busy">Cores its worker slots hold now.</param>
/// <param name="Utilization">Share of its cores' time spent executing attempts over its last report period (0..1).</param>
/// <param name="Load">Its host's load average.</param>
/// <param name="SiloMemoryMb">The silo process's resident memory, MB.</param>
public sealed record SiloRates(string Silo, string Host, int Cores, int Busy, double Utilization, double Load, long SiloMemoryMb);

/// <summary>One socket in a <see cref="ClusterSample"/>: now, per second, and since its silos started.</summary>
/// <param name="Socket">The socket.</param>
/// <param name="Queued">Calls waiting for a worker (queue depth).</param>
/// <param name="InFlight">Calls handed to workers.</param>
/// <param name="SubmittedPerSecond">Calls accepted per second.</param>
/// <param name="SucceededPerSecond">Calls succeeded per second.</param>
/// <param name="FailedPerSecond">Calls failed per second.</param>
/// <param name="RetriedPerSecond">Attempts queued again per second.</param>
/// <param name="ExecutionP50">Median execution time, seconds (a histogram bucket's upper bound); null with no executions.</param>
/// <param name="ExecutionP95">95th percentile execution time, seconds, likewise.</param>
/// <param name="Submitted">Calls accepted since the silos started.</param>
/// <param name="Succeeded">Calls succeeded since then.</param>
/// <param name="Failed">Calls failed since then.</param>
/// <param name="Retried">Attempts queued again since then.</param>
/// <param name="Cancelled">Calls cancelled since then.</param>
/// <param name="Waiting">Its plug edges whose calls wait for their target, now.</param>
public sealed record SocketRates(
    string Socket, int Queued, int InFlight,
    double SubmittedPerSecond, double SucceededPerSecond, double FailedPerSecond, double RetriedPerSecond,
    double? ExecutionP50, double? ExecutionP95,
    long Submitted, long Succeeded, long Failed, long Retried, long Cancelled, WaitingEdge[] Waiting);
