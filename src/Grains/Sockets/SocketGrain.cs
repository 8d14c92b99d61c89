using Pyfi.Grains.Model;
using Pyfi.Grains.Storage;

namespace Pyfi.Grains.Sockets;

/// <summary>One socket (see <see cref="ISocketGrain"/>).</summary>
public sealed class SocketGrain([PersistentState("socket", StorageNames.Model)] IPersistentState<SocketState> state)
    : DefinitionGrain<SocketSpec, SocketState>(state), ISocketGrain;
