using Pyfi.Grains.Model;

namespace Pyfi.Grains.Sockets;

/// <summary>What a socket grain persists.</summary>
public sealed class SocketState : IDefinitionState<SocketSpec>
{
    /// <inheritdoc />
    public Definition<SocketSpec>? Definition { get; set; }

    /// <summary>The plugs leaving this socket, as the registry last pushed them.</summary>
    public PlugSet? Plugs { get; set; }

    /// <summary>With <c>--partitions auto</c>: how many partitions the socket has grown to (0: not yet counted).</summary>
    public int AutoPartitions { get; set; }
}
