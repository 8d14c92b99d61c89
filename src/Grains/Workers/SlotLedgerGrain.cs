using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Grains.Placement;

namespace Pyfi.Grains.Workers;

/// <summary>
/// The cluster's count of executing slots (see <see cref="ISlotLedgerGrain"/>; the rules are <see cref="SlotLedger"/>'s).
/// Kept in memory: silos register their cores again every few seconds and live workers confirm their cores every
/// few seconds, so a ledger that restarts learns the truth again, and a core reserved for a worker that never came
/// (or died with its silo) is given back. Beside the cores it keeps where sockets are and how busy (see
/// <see cref="SocketLoads"/>: the same reports feed both), places new sockets by it, and every
/// <see cref="BalancePeriod"/> moves one socket off a silo far busier than another.
/// </summary>
public sealed partial class SlotLedgerGrain(IClusterMembershipService membership, TimeProvider time, ILogger<SlotLedgerGrain> logger) : Grain, ISlotLedgerGrain
{
    /// <summary>How often the socket loads are looked at for a move (a report comes every 2 s).</summary>
    public static readonly TimeSpan BalancePeriod = TimeSpan.FromSeconds(10);

    private readonly SlotLedger _ledger = new();
    private readonly SocketLoads _sockets = new();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(Balance, new GrainTimerCreationOptions(BalancePeriod, BalancePeriod) { Interleave = true });
        return Task.CompletedTask;
    }

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
    public Task<SiloAddress> PlaceSocketAsync(GrainId socket, SiloAddress[] candidates) =>
        Task.FromResult(_sockets.Place(socket.Key.ToString()!, candidates, ActiveSilos(), time.GetUtcNow()));

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
        _sockets.Report(silo, report, time.GetUtcNow());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AgentInfo[]> GetAgentsAsync() => Task.FromResult(_ledger.Agents(ActiveSilos()));

    /// <inheritdoc />
    public Task<SlotSnapshot> GetSnapshotAsync() => Task.FromResult(_ledger.Snapshot());

    // One move at most per look: the socket settles on its new silo (waits for its attempts to end, then migrates),
    // and the next reports show what that did before anything else moves.
    private Task Balance()
    {
        if (_sockets.PlanMove(ActiveSilos(), time.GetUtcNow()) is { } move)
        {
            LogMoving(move.Socket, move.From, move.To);
            GrainFactory.GetGrain<ISocketGrain>(move.Socket).MoveAsync(move.To).Ignore();
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moving socket {Socket} from {From} to {To}: its silo stores far more changes per core than the other")]
    private partial void LogMoving(string socket, SiloAddress from, SiloAddress to);

    private HashSet<SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
}
