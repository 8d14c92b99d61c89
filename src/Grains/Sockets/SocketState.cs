using Pyfi.Grains.Model;

namespace Pyfi.Grains.Sockets;

/// <summary>What a socket grain persists.</summary>
public sealed class SocketState : IDefinitionState<SocketSpec>
{
    /// <inheritdoc />
    public Definition<SocketSpec>? Definition { get; set; }
}
