namespace Pyfi;

/// <summary>A socket as <c>pyfi ls</c> shows it.</summary>
/// <param name="Spec">The definition.</param>
/// <param name="Stamp">Revision and timestamps.</param>
/// <param name="Partitions">
/// Where each of its partitions is active now and what it holds, as the silos last reported (one socket asked for by
/// name: <c>pyfi ls socket -n</c>); <see langword="null"/> in lists.
/// </param>
[GenerateSerializer, Immutable, Alias("pyfi.SocketInfo")]
public sealed record SocketInfo(SocketSpec Spec, ModelStamp Stamp, SocketPartitionInfo[]? Partitions = null);

/// <summary>One partition of a socket (see <see cref="SocketPartitions"/>) and where it is.</summary>
/// <param name="Partition">Its number (0: the socket's own grain).</param>
/// <param name="Silo">The silo it is active on, or <see langword="null"/> when it is active nowhere now (it activates at its next call).</param>
/// <param name="Queued">Calls it holds waiting.</param>
/// <param name="InFlight">Calls it is running.</param>
[GenerateSerializer, Immutable, Alias("pyfi.SocketPartitionInfo")]
public sealed record SocketPartitionInfo(int Partition, string? Silo, int Queued, int InFlight);

/// <summary>What a partition takes from its socket's own grain (see <see cref="ISocketGrain.GetPartitionSetupAsync"/>).</summary>
/// <param name="Definition">The socket's definition, or <see langword="null"/> when there is no such socket.</param>
/// <param name="Plugs">The plugs leaving the socket.</param>
/// <param name="Partitions">How many partitions the socket has now.</param>
[GenerateSerializer, Immutable, Alias("pyfi.SocketPartitionSetup")]
public sealed record SocketPartitionSetup(Definition<SocketSpec>? Definition, PlugSet? Plugs, int Partitions);
