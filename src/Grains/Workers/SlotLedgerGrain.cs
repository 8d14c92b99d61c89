using Orleans.Runtime;

namespace Pyfi.Grains.Workers;

/// <summary>
/// The cluster's count of executing slots (see <see cref="ISlotLedgerGrain"/>). Kept in memory: silos
/// register their cores again every few seconds and live workers confirm their cores every few seconds, so
/// a ledger that restarts learns the truth again, and a core reserved for a worker that never came (or
/// died with its silo) is given back.
/// </summary>
public sealed class SlotLedgerGrain(IClusterMembershipService membership, TimeProvider time) : Grain, ISlotLedgerGrain
{
    /// <summary>A reservation nobody confirmed for this long is forgotten (workers confirm every 10 s).</summary>
    public static readonly TimeSpan Unconfirmed = TimeSpan.FromSeconds(30);

    private readonly Dictionary<GrainId, Hold> _holders = [];

    // Each silo's last report: the cores it offers and its host (placement), how it is (pyfi ls agents).
    private readonly Dictionary<SiloAddress, AgentInfo> _reports = [];

    // Slots (workers) that found no free core, oldest first.
    private readonly LinkedList<GrainId> _waiting = new();

    /// <inheritdoc />
    public Task<SiloAddress?> ReserveAsync(GrainId worker, SiloAddress[] candidates, string hosts = "") => Task.FromResult(Reserve(worker, OnHosts(candidates, hosts)));

    /// <inheritdoc />
    public Task<bool> TryReserveAsync(GrainId worker, string hosts = "")
    {
        var eligible = OnHosts([.. ActiveSilos()], hosts);
        if (eligible.Length == 0) return Task.FromResult(false);
        var socket = WorkerKey.SocketOf(worker);
        if (Reserve(worker, eligible) is not null)
        {
            _waiting.Remove(worker);
            return Task.FromResult(true);
        }

        // Every core is held: ask the other sockets' workers to give theirs back if they are idle, and tell this
        // worker's socket when one is let go (it would otherwise find out at its next try, after a backoff).
        if (!_waiting.Contains(worker)) _waiting.AddLast(worker);
        foreach (var holder in _holders.Keys.Where(h => WorkerKey.SocketOf(h) != socket))
        {
            GrainFactory.GetGrain<IWorkerGrain>(holder).YieldCoreAsync().Ignore();
        }

        return Task.FromResult(false);
    }

    /// <inheritdoc />
    public Task ReleaseAsync(GrainId worker)
    {
        // The slot that has waited longest for a core hears first (one per core let go), through its socket.
        if (_holders.Remove(worker) && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            GrainFactory.GetGrain<ISocketGrain>(WorkerKey.SocketOf(first.Value)).CoreFreedAsync().Ignore();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ReportSiloAsync(SiloAddress silo, AgentInfo report)
    {
        _reports[silo] = report;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AgentInfo[]> GetAgentsAsync()
    {
        ForgetGone(ActiveSilos());
        var busy = _holders.Values.GroupBy(h => h.Silo).ToDictionary(g => g.Key, g => g.Count());
        return Task.FromResult<AgentInfo[]>(
        [
            .. _reports.Select(r => r.Value with { CoresBusy = busy.GetValueOrDefault(r.Key) })
                .OrderBy(a => a.Host, StringComparer.Ordinal).ThenBy(a => a.Silo, StringComparer.Ordinal),
        ]);
    }

    /// <inheritdoc />
    public Task<SlotSnapshot> GetSnapshotAsync() =>
        Task.FromResult(new SlotSnapshot(_reports.ToDictionary(r => r.Key, r => r.Value.Cores), _holders.ToDictionary(h => h.Key, h => h.Value.Silo)));

    private SiloAddress? Reserve(GrainId worker, SiloAddress[] candidates)
    {
        var now = time.GetUtcNow();
        var active = ActiveSilos();
        // Cores held on silos that are gone, or by workers that stopped confirming, come back.
        foreach (var (id, hold) in _holders.ToList())
        {
            if (!active.Contains(hold.Silo) || now - hold.Seen > Unconfirmed) _holders.Remove(id);
        }

        ForgetGone(active);
        if (_holders.TryGetValue(worker, out var held) && candidates.Contains(held.Silo))
        {
            _holders[worker] = held with { Seen = now };
            return held.Silo;
        }

        var used = _holders.Values.GroupBy(h => h.Silo).ToDictionary(g => g.Key, g => g.Count());
        var chosen = candidates
            .Where(_reports.ContainsKey)
            .Select(s => (Silo: s, Free: _reports[s].Cores - used.GetValueOrDefault(s)))
            .Where(c => c.Free > 0)
            .OrderByDescending(c => c.Free)
            .ThenBy(c => c.Silo.ToString(), StringComparer.Ordinal)
            .Select(c => c.Silo)
            .FirstOrDefault();
        if (chosen is not null) _holders[worker] = new Hold(chosen, now);
        return chosen;
    }

    // The silos among candidates on one of the hosts (comma-separated; empty for any host).
    private SiloAddress[] OnHosts(SiloAddress[] candidates, string hosts)
    {
        if (string.IsNullOrEmpty(hosts)) return candidates;
        var allowed = hosts.Split(',');
        return [.. candidates.Where(s => _reports.TryGetValue(s, out var report) && allowed.Contains(report.Host, StringComparer.OrdinalIgnoreCase))];
    }

    // Silos that left the cluster offer nothing and are listed no more.
    private void ForgetGone(HashSet<SiloAddress> active)
    {
        foreach (var gone in _reports.Keys.Where(s => !active.Contains(s)).ToList()) _reports.Remove(gone);
    }

    private HashSet<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();

    private sealed record Hold(SiloAddress Silo, DateTimeOffset Seen);
}
