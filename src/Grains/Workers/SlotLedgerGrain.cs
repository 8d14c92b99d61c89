using Orleans.Runtime;

namespace Pyfi.Grains.Workers;

/// <summary>
/// The cluster's count of executing slots (see <see cref="ISlotLedgerGrain"/>; the rules are <see cref="SlotLedger"/>'s).
/// Kept in memory: silos register their cores again every few seconds and live workers confirm their cores every
/// few seconds, so a ledger that restarts learns the truth again, and a core reserved for a worker that never came
/// (or died with its silo) is given back.
/// </summary>
public sealed class SlotLedgerGrain(IClusterMembershipService membership, TimeProvider time) : Grain, ISlotLedgerGrain
{
    private readonly SlotLedger _ledger = new();

    /// <inheritdoc />
    public Task<SiloAddress?> ReserveAsync(GrainId worker, SiloAddress[] candidates, string hosts = "") =>
        Task.FromResult(_ledger.Reserve(worker, candidates, hosts, ActiveSilos(), time.GetUtcNow()));

    /// <inheritdoc />
    public Task<bool> TryReserveAsync(GrainId worker, string hosts = "")
    {
        // Every core is held: the other sockets' workers are asked to give theirs back if they are idle, and this
        // worker's socket is told when one is let go (it would otherwise find out at its next try, after a backoff).
        var attempt = _ledger.TryReserve(worker, hosts, ActiveSilos(), time.GetUtcNow());
        foreach (var holder in attempt.AskToYield) GrainFactory.GetGrain<IWorkerGrain>(holder).YieldCoreAsync().Ignore();
        return Task.FromResult(attempt.Reserved);
    }

    /// <inheritdoc />
    public Task ReleaseAsync(GrainId worker)
    {
        if (_ledger.Release(worker) is { } waited) GrainFactory.GetGrain<ISocketGrain>(WorkerKey.SocketOf(waited)).CoreFreedAsync().Ignore();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ReportSiloAsync(SiloAddress silo, AgentInfo report)
    {
        _ledger.Report(silo, report);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AgentInfo[]> GetAgentsAsync() => Task.FromResult(_ledger.Agents(ActiveSilos()));

    /// <inheritdoc />
    public Task<SlotSnapshot> GetSnapshotAsync() => Task.FromResult(_ledger.Snapshot());

    private HashSet<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
}
