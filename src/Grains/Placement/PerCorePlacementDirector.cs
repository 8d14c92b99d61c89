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
        // The socket names the hosts its processor may run on in the request that activates the worker.
        var hosts = target.RequestContextData?.TryGetValue(PlacementHosts.Key, out var value) == true ? value as string ?? "" : "";
        var silo = await grains.GetGrain<ISlotLedgerGrain>(0).ReserveAsync(target.GrainIdentity, candidates, hosts);
        return silo ?? throw new NoCapacityException(hosts.Length == 0
            ? $"every core of the {candidates.Length} silo(s) is running a call; {target.GrainIdentity} waits"
            : $"no free core on a silo of host(s) {hosts}; {target.GrainIdentity} waits");
    }
}
