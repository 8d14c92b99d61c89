namespace Pyfi.Grains.Placement;

/// <summary>
/// Where sockets are and how busy each is, from the silos' reports, and the two decisions taken from that: where a
/// new socket activation goes (<see cref="Place"/>) and which socket to move off a silo doing far more than another
/// (<see cref="PlanMove"/>). A plain class told the time and the active silos, so the rules are tested without a silo;
/// <see cref="Workers.SlotLedgerGrain"/> keeps one beside the core ledger, since both live on the same reports.
/// </summary>
/// <remarks>
/// A socket's silo pays for its calls (admission, storing each change, the waits); its functions run wherever cores
/// are free. So a silo's load is the rate at which its active sockets store changes, per core it offers. Reports come
/// every 2 s, so a placement also counts the sockets it sent to a silo until that silo reports them active (or
/// <see cref="PendingFor"/> passes: the activation went elsewhere or failed): without that, sockets made together all
/// went to the silo that looked least loaded at that instant (Orleans' default, resource-optimized placement, sees CPU
/// and memory a few seconds late). A report that was taken before a socket sent there had activated must not drop it.
/// </remarks>
public sealed class SocketLoads
{
    /// <summary>How much busier (per core) the busiest silo must be than the least busy before a socket is moved.</summary>
    public const double MoveRatio = 1.5;

    /// <summary>Below this gap (changes stored per second per core) between the two, nothing is moved: noise.</summary>
    public const double MoveGap = 20;

    /// <summary>A socket moved is not moved again for this long (its rate on its new silo must show first).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMinutes(1);

    /// <summary>How long a socket sent to a silo counts there while that silo's reports do not show it yet.</summary>
    public static readonly TimeSpan PendingFor = TimeSpan.FromSeconds(15);

    private readonly Dictionary<SiloAddress, SiloLoad> _silos = [];
    private readonly Dictionary<string, DateTimeOffset> _moved = new(StringComparer.Ordinal);

    /// <summary>Takes <paramref name="silo"/>'s report: its cores and, per socket, whether it is active there and its counts.</summary>
    public void Report(SiloAddress silo, AgentInfo report, DateTimeOffset now)
    {
        _silos.TryGetValue(silo, out var before);
        var sockets = new Dictionary<string, SocketLoad>(StringComparer.Ordinal);
        var seconds = before is null ? 0 : (now - before.At).TotalSeconds;
        foreach (var metrics in report.Sockets)
        {
            var changes = Changes(metrics);
            var rate = 0.0;
            if (seconds > 0 && before!.Sockets.TryGetValue(metrics.Socket, out var last) && changes >= last.Changes)
            {
                rate = (changes - last.Changes) / seconds;
            }

            if (metrics.Active || rate > 0) sockets[metrics.Socket] = new SocketLoad(metrics.Active, changes, rate);
        }

        // Sockets sent here stay counted until a report shows them (then they count as active) or they are stale.
        var pending = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (name, at) in before?.Pending ?? [])
        {
            if (!(sockets.TryGetValue(name, out var shown) && shown.Active) && now - at < PendingFor) pending[name] = at;
        }

        _silos[silo] = new SiloLoad(now, Math.Max(0, report.Cores), sockets, pending);
    }

    /// <summary>
    /// The silo among <paramref name="candidates"/> for <paramref name="socket"/>'s new activation: the least loaded
    /// per core, where a socket weighs one plus its rate over the mean socket's (an idle socket 1, an average one 2),
    /// and a socket sent to a silo that has not reported it yet weighs 1 (placed twice, it counts once, where it went
    /// last). Partitions of one socket (see <see cref="SocketPartitions"/>) go to silos holding fewer of its others first. Silos that offer no core (stopping) are taken only when nothing else is;
    /// silos not reported yet count as empty. Ties go to the lower address.
    /// </summary>
    public SiloAddress Place(string socket, SiloAddress[] candidates, IReadOnlySet<SiloAddress> active, DateTimeOffset now)
    {
        if (candidates.Length == 0) throw new ArgumentException("no silo to place a socket on", nameof(candidates));
        Forget(active);
        var mean = MeanRate();
        var of = SocketPartitions.Parse(socket).Socket;
        SiloAddress? chosen = null;
        var best = double.MaxValue;
        var bestOffers = false;
        var bestSiblings = int.MaxValue;
        foreach (var silo in candidates.OrderBy(s => s.ToString(), StringComparer.Ordinal))
        {
            _silos.TryGetValue(silo, out var load);
            var offers = load is null || load.Unreported || load.Cores > 0;
            var weight = (load?.Pending.Keys.Count(p => p != socket) ?? 0) + (load?.Sockets.Values.Where(s => s.Active).Sum(s => 1 + (mean > 0 ? s.Rate / mean : 0)) ?? 0);
            var score = (weight + 1) / Math.Max(1, load?.Cores ?? 1);
            // Partitions of one socket go apart first (that is what they are for), then by load.
            var siblings = load is null ? 0 : load.Pending.Keys.Concat(load.Sockets.Where(s => s.Value.Active).Select(s => s.Key))
                .Count(key => key != socket && SocketPartitions.Parse(key).Socket == of);
            if (chosen is null || (offers && !bestOffers) || (offers == bestOffers && (siblings < bestSiblings || (siblings == bestSiblings && score < best))))
            {
                chosen = silo;
                best = score;
                bestOffers = offers;
                bestSiblings = siblings;
            }
        }

        foreach (var load in _silos.Values) load.Pending.Remove(socket);
        if (_silos.TryGetValue(chosen!, out var placed)) placed.Pending[socket] = now;
        else _silos[chosen!] = new SiloLoad(DateTimeOffset.MinValue, 0, [], new(StringComparer.Ordinal) { [socket] = now }) { Unreported = true };
        return chosen!;
    }

    /// <summary>
    /// A socket to move from the busiest silo to the least busy one, when the busiest stores more than
    /// <see cref="MoveRatio"/> times as many changes per core and at least <see cref="MoveGap"/> more, and moving that
    /// socket leaves the pair less uneven than it found them; <see langword="null"/> otherwise. A silo with one socket
    /// keeps it (moving it would only move the heat), and a socket moved within <see cref="Settle"/> stays.
    /// </summary>
    public SocketMove? PlanMove(IReadOnlySet<SiloAddress> active, DateTimeOffset now)
    {
        Forget(active);
        var offering = _silos.Where(s => s.Value.Cores > 0 && !s.Value.Unreported).ToList();
        if (offering.Count < 2) return null;
        var ordered = offering.OrderBy(s => PerCore(s.Value)).ThenBy(s => s.Key.ToString(), StringComparer.Ordinal).ToList();
        var (coldSilo, cold) = (ordered[0].Key, ordered[0].Value);
        var (hotSilo, hot) = (ordered[^1].Key, ordered[^1].Value);
        double hotLoad = PerCore(hot), coldLoad = PerCore(cold);
        if (hotLoad - coldLoad < MoveGap || hotLoad < MoveRatio * coldLoad) return null;
        var movable = hot.Sockets.Where(s => s.Value.Active).ToList();
        if (movable.Count < 2) return null;

        string? socket = null;
        var bestPeak = hotLoad;
        foreach (var (name, load) in movable.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (load.Rate <= 0 || (_moved.TryGetValue(name, out var at) && now - at < Settle)) continue;
            var peak = Math.Max(hotLoad - load.Rate / hot.Cores, coldLoad + load.Rate / cold.Cores);
            if (peak < bestPeak)
            {
                socket = name;
                bestPeak = peak;
            }
        }

        if (socket is null) return null;
        _moved[socket] = now;
        foreach (var old in _moved.Where(m => now - m.Value >= Settle).Select(m => m.Key).ToList()) _moved.Remove(old);
        // Until the two silos report again, the move is taken as done, so the next look does not plan it again.
        var rate = hot.Sockets[socket].Rate;
        var sockets = new Dictionary<string, SocketLoad>(hot.Sockets, StringComparer.Ordinal);
        sockets.Remove(socket);
        _silos[hotSilo] = hot with { Sockets = sockets };
        _silos[coldSilo] = cold with { Sockets = new Dictionary<string, SocketLoad>(cold.Sockets, StringComparer.Ordinal) { [socket] = new(true, 0, rate) } };
        return new SocketMove(socket, hotSilo, coldSilo);
    }

    /// <summary>The silo <paramref name="socket"/> last reported itself active on, if any.</summary>
    public SiloAddress? Where(string socket) =>
        _silos.FirstOrDefault(s => s.Value.Sockets.TryGetValue(socket, out var load) && load.Active).Key;

    // Every change a socket stores costs its silo about the same: an acceptance, an end, a retry.
    private static long Changes(SocketMetrics m) => m.Submitted + m.Succeeded + m.Failed + m.Retried + m.Cancelled;

    private static double PerCore(SiloLoad load) => load.Sockets.Values.Where(s => s.Active).Sum(s => s.Rate) / Math.Max(1, load.Cores);

    private double MeanRate()
    {
        var active = _silos.Values.SelectMany(s => s.Sockets.Values).Where(s => s.Active).ToList();
        return active.Count == 0 ? 0 : active.Average(s => s.Rate);
    }

    private void Forget(IReadOnlySet<SiloAddress> active)
    {
        foreach (var gone in _silos.Keys.Where(s => !active.Contains(s)).ToList()) _silos.Remove(gone);
    }

    // Pending: sockets sent here (and when) that its reports do not show yet.
    private sealed record SiloLoad(DateTimeOffset At, int Cores, Dictionary<string, SocketLoad> Sockets, Dictionary<string, DateTimeOffset> Pending)
    {
        // Placed on before its first report: not a silo to move sockets between yet.
        public bool Unreported { get; init; }
    }

    private sealed record SocketLoad(bool Active, long Changes, double Rate);
}

/// <summary>A socket to move, from the silo it is active on to another.</summary>
/// <param name="Socket">The socket.</param>
/// <param name="From">The silo it is on.</param>
/// <param name="To">The silo it goes to.</param>
public sealed record SocketMove(string Socket, SiloAddress From, SiloAddress To);
