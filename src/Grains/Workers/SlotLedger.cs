namespace Pyfi.Grains.Workers;

/// <summary>
/// The count of executing slots behind <see cref="SlotLedgerGrain"/>, without the grain: which worker holds a core
/// on which silo, what each silo offers, and which slots wait for a core. The caller says which silos are active
/// and what time it is, and sends the messages it is told to send, so the rules are tested without a silo.
/// </summary>
public sealed class SlotLedger
{
    /// <summary>A reservation nobody confirmed for this long is forgotten (workers confirm every 10 s).</summary>
    public static readonly TimeSpan Unconfirmed = TimeSpan.FromSeconds(30);

    // Each holder's silo and its node in _bySeen; the cores held per silo, kept as holders come and go. Every message
    // (a worker confirming every 10 s, a slot taking a core) costs the same whatever the cluster's size: measured
    // (bench/scale.sh, `Pyfi.Bench ledger`) before this, a confirmation took 122 µs and a core let go and taken again
    // 347 µs with 1,600 holders (every holder copied and grouped per message), the ledger's bound at 100 hosts.
    private readonly Dictionary<GrainId, LinkedListNode<Hold>> _holders = [];
    private readonly Dictionary<SiloAddress, int> _used = [];

    // Holders, least recently confirmed first: the lapsed ones are taken off the front.
    private readonly LinkedList<Hold> _bySeen = new();

    // Each silo's last report: the cores it offers and its host (placement), how it is (pyfi ls agents).
    private readonly Dictionary<SiloAddress, AgentInfo> _reports = [];

    // Slots (workers) that found no free core, oldest first.
    private readonly LinkedList<GrainId> _waiting = new();

    /// <summary>
    /// Reserves (or confirms) a core for <paramref name="worker"/> on the least loaded of <paramref name="candidates"/>
    /// on <paramref name="hosts"/> (comma-separated; empty for any); <see langword="null"/> when all are full.
    /// </summary>
    public SiloAddress? Reserve(GrainId worker, SiloAddress[] candidates, string hosts, IReadOnlySet<SiloAddress> active, DateTimeOffset now) =>
        Reserve(worker, OnHosts(candidates, hosts), active, now);

    /// <summary>
    /// Reserves a core for <paramref name="worker"/> on any active silo on <paramref name="hosts"/>. When every core
    /// is held, the slot waits (see <see cref="Release"/>) and <see cref="Attempt.AskToYield"/> names the other
    /// sockets' workers to ask to give theirs back if they are idle.
    /// </summary>
    public Attempt TryReserve(GrainId worker, string hosts, IReadOnlySet<SiloAddress> active, DateTimeOffset now)
    {
        var eligible = OnHosts([.. active], hosts);
        if (eligible.Length == 0) return new Attempt(false, []);
        if (Reserve(worker, eligible, active, now) is not null)
        {
            _waiting.Remove(worker);
            return new Attempt(true, []);
        }

        if (!_waiting.Contains(worker)) _waiting.AddLast(worker);
        var socket = WorkerKey.SocketOf(worker);
        return new Attempt(false, [.. _holders.Keys.Where(h => WorkerKey.SocketOf(h) != socket)]);
    }

    /// <summary>
    /// Gives back <paramref name="worker"/>'s core; returns the slot that has waited longest for one (its socket is
    /// to hear that a core is free: one per core let go), if any.
    /// </summary>
    public GrainId? Release(GrainId worker)
    {
        if (!Drop(worker) || _waiting.First is not { } first) return null;
        _waiting.RemoveFirst();
        return first.Value;
    }

    /// <summary>Takes <paramref name="silo"/>'s report (its cores, host and how it is).</summary>
    public void Report(SiloAddress silo, AgentInfo report) => _reports[silo] = report;

    /// <summary>Every active silo as it last reported itself, with its cores held now, ordered by host and address.</summary>
    public AgentInfo[] Agents(IReadOnlySet<SiloAddress> active)
    {
        ForgetGone(active);
        return
        [
            .. _reports.Select(r => r.Value with { CoresBusy = _used.GetValueOrDefault(r.Key) })
                .OrderBy(a => a.Host, StringComparer.Ordinal).ThenBy(a => a.Silo, StringComparer.Ordinal),
        ];
    }

    /// <summary>Which silos offer how many cores, and which workers hold them.</summary>
    public SlotSnapshot Snapshot() =>
        new(_reports.ToDictionary(r => r.Key, r => r.Value.Cores), _holders.ToDictionary(h => h.Key, h => h.Value.Value.Silo));

    private SiloAddress? Reserve(GrainId worker, SiloAddress[] candidates, IReadOnlySet<SiloAddress> active, DateTimeOffset now)
    {
        // Cores held on silos that are gone, or by workers that stopped confirming, come back.
        ForgetLapsed(now);
        ForgetGone(active);
        if (_holders.TryGetValue(worker, out var held) && candidates.Contains(held.Value.Silo))
        {
            // Confirmed: to the back of the line of the least recently confirmed.
            _bySeen.Remove(held);
            held.Value = held.Value with { Seen = now };
            _bySeen.AddLast(held);
            return held.Value.Silo;
        }

        SiloAddress? chosen = null;
        var most = 0;
        foreach (var silo in candidates)
        {
            if (!_reports.TryGetValue(silo, out var report)) continue;
            var free = report.Cores - _used.GetValueOrDefault(silo);
            // The most free cores; a tie goes to the lower address, every time.
            if (free > most || (free == most && free > 0 && string.CompareOrdinal(silo.ToString(), chosen!.ToString()) < 0))
            {
                chosen = silo;
                most = free;
            }
        }

        if (chosen is not null)
        {
            Drop(worker);
            _holders[worker] = _bySeen.AddLast(new Hold(worker, chosen, now));
            _used[chosen] = _used.GetValueOrDefault(chosen) + 1;
        }

        return chosen;
    }

    // Takes worker's hold away, if it has one.
    private bool Drop(GrainId worker)
    {
        if (!_holders.Remove(worker, out var node)) return false;
        _bySeen.Remove(node);
        var left = _used[node.Value.Silo] - 1;
        if (left == 0) _used.Remove(node.Value.Silo);
        else _used[node.Value.Silo] = left;
        return true;
    }

    // Holds nobody confirmed for Unconfirmed: the front of the line, so only the lapsed ones are looked at.
    private void ForgetLapsed(DateTimeOffset now)
    {
        while (_bySeen.First is { } oldest && now - oldest.Value.Seen > Unconfirmed) Drop(oldest.Value.Worker);
    }

    // The silos among candidates on one of the hosts (comma-separated; empty for any host).
    private SiloAddress[] OnHosts(SiloAddress[] candidates, string hosts)
    {
        if (string.IsNullOrEmpty(hosts)) return candidates;
        var allowed = hosts.Split(',');
        return [.. candidates.Where(s => _reports.TryGetValue(s, out var report) && allowed.Contains(report.Host, StringComparer.OrdinalIgnoreCase))];
    }

    // Silos that left the cluster offer nothing and are listed no more.
    private void ForgetGone(IReadOnlySet<SiloAddress> active)
    {
        foreach (var gone in _reports.Keys.Where(s => !active.Contains(s)).ToList()) _reports.Remove(gone);
        // The holds on a silo that left (rare: a scan of the holders only then).
        foreach (var gone in _used.Keys.Where(s => !active.Contains(s)).ToList())
        {
            foreach (var worker in _holders.Where(h => h.Value.Value.Silo.Equals(gone)).Select(h => h.Key).ToList()) Drop(worker);
        }
    }

    /// <summary>What <see cref="TryReserve"/> did.</summary>
    /// <param name="Reserved">Whether the worker holds a core now.</param>
    /// <param name="AskToYield">Workers of other sockets to ask to give their core back if idle (when it does not).</param>
    public sealed record Attempt(bool Reserved, IReadOnlyList<GrainId> AskToYield);

    private sealed record Hold(GrainId Worker, SiloAddress Silo, DateTimeOffset Seen);
}
