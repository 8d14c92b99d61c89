using Orleans.Placement;

namespace Pyfi.Grains.Placement;

/// <summary>
/// Places a socket's activation on the silo its calls load least, counting sockets placed since the silos last
/// reported (see <see cref="SocketLoads"/>), or where a move asked it to go.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.SocketPlacement")]
public sealed class SocketPlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="SocketPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SocketPlacementAttribute() : PlacementAttribute(new SocketPlacement());
