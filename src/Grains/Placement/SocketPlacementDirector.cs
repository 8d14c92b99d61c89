using Orleans.Runtime.Placement;

namespace Pyfi.Grains.Placement;

/// <summary>
/// Chooses a silo for a <see cref="SocketPlacement"/> grain: the one a move named (the placement hint a socket sets
/// before it migrates), else the least loaded, as the slot ledger's <see cref="SocketLoads"/> counts. When the ledger
/// cannot be asked (it is moving, the cluster is changing) the socket goes to a random compatible silo rather than
/// not at all: a call waits for a socket's placement, and spreading is a preference, not a rule.
/// </summary>
public sealed class SocketPlacementDirector(IGrainFactory grains) : IPlacementDirector
{
    /// <inheritdoc />
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var candidates = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, candidates) is { } hinted) return hinted;
        try
        {
            return await grains.GetGrain<ISlotLedgerGrain>(0).PlaceSocketAsync(target.GrainIdentity, candidates);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return candidates[Random.Shared.Next(candidates.Length)];
        }
    }
}
