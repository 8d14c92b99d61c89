using Orleans.Placement;

namespace Pyfi.Grains.Placement;

/// <summary>
/// Places a grain only where a core is free: at most one activation per core on each silo, counted
/// cluster-wide by the <see cref="ISlotLedgerGrain"/>. Worker slots use it, so a silo never runs more Python
/// calls at once than it has cores.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.PerCorePlacement")]
public sealed class PerCorePlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="PerCorePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PerCorePlacementAttribute() : PlacementAttribute(new PerCorePlacement());
