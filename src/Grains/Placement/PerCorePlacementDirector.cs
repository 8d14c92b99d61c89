using Orleans.Runtime.Placement;

namespace Pyfi.Grains.Placement;

/// <summary>
/// Chooses a silo for a <see cref="PerCorePlacement"/> grain: the least loaded compatible silo with a free
/// core, as the ledger counts them. When every core is taken it throws <see cref="NoCapacityException"/>,
/// which reaches the caller (a socket), which keeps the call queued and tries again.
/// </summary>
public sealed class PerCorePlacementDirector(IGrainFactory grains) : IPlacementDirector
{
    /// <inheritdoc />
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var candidates = context.GetCompatibleSilos(target);
        var silo = await grains.GetGrain<ISlotLedgerGrain>(0).ReserveAsync(target.GrainIdentity, candidates);
        return silo ?? throw new NoCapacityException($"every core of the {candidates.Length} silo(s) is running a call; {target.GrainIdentity} waits");
    }
}
