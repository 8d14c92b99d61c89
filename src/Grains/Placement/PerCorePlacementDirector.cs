using Orleans.Runtime.Placement;
using Pyfi.Grains.Security;

namespace Pyfi.Grains.Placement;

/// <summary>
/// Chooses a silo for a <see cref="PerCorePlacement"/> grain: the least loaded compatible silo with a free
/// core, as the ledger counts them. When every core is taken it throws <see cref="NoCapacityException"/>,
/// which reaches the caller (a socket), which keeps the call queued and tries again. A request without the network's
/// mark (a client's: see <see cref="ClusterKey"/>) places nothing: a worker slot holds a core from its activation on,
/// and clients may not take cores.
/// </summary>
public sealed class PerCorePlacementDirector(IGrainFactory grains, ClusterKey key, AccessControl access) : IPlacementDirector
{
    /// <inheritdoc />
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var request = target.RequestContextData;
        if (request?.TryGetValue(ClusterKey.MarkKey, out var mark) != true || !key.IsOwn(mark))
        {
            var token = request?.TryGetValue(AccessContext.TokenKey, out var given) == true ? given as string : null;
            await access.DenyAsync(token, $"call {target.InterfaceType} (activating worker slot {target.GrainIdentity})", "worker slots are internal to the network; clients cannot call them", "an Orleans client");
        }

        var candidates = context.GetCompatibleSilos(target);
        // The socket names the hosts its processor may run on in the request that activates the worker.
        var hosts = target.RequestContextData?.TryGetValue(PlacementHosts.Key, out var value) == true ? value as string ?? "" : "";
        var silo = await grains.GetGrain<ISlotLedgerGrain>(0).ReserveAsync(target.GrainIdentity, candidates, hosts);
        return silo ?? throw new NoCapacityException(hosts.Length == 0
            ? $"every core of the {candidates.Length} silo(s) is running a call; {target.GrainIdentity} waits"
            : $"no free core on a silo of host(s) {hosts}; {target.GrainIdentity} waits");
    }
}
