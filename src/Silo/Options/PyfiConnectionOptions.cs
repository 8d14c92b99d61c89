namespace Pyfi.Silo.Options;

/// <summary>
/// What a connection to one of the silo's ports may hold and how long it may wait (docs/security.md, "The gateway
/// port"), bound from the <c>Pyfi</c> section; checked at start by <see cref="PyfiConnectionOptionsValidator"/>, then
/// cut to what the process's file limit allows (<see cref="FitConnectionsTo"/>).
/// </summary>
public sealed class PyfiConnectionOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi";

    /// <summary>
    /// Connections each listening port holds at once (<c>PYFI_GATEWAY_MAX_CONNECTIONS</c>): the gateway port, and
    /// apart from it Orleans' gateway and silo ports. At the limit a new connection on the gateway port closes the
    /// one idle longest (on Orleans' ports, the oldest still in its handshake).
    /// </summary>
    /// <value>Defaults to 1024.</value>
    public int GatewayMaxConnections { get; set; } = 1024;

    /// <summary>
    /// <see cref="GatewayMaxConnections"/> as set, when <see cref="FitConnectionsTo"/> cut it to what the process's
    /// file limit allows; <see langword="null"/> when it was not cut.
    /// </summary>
    public int? GatewayMaxConnectionsAsSet { get; private set; }

    /// <summary>Connections one remote address holds on the gateway port at once (<c>PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS</c>).</summary>
    /// <value>Defaults to 256.</value>
    public int GatewayMaxConnectionsPerAddress { get; set; } = 256;

    /// <summary>How long a gateway connection may wait without starting a request before it is closed (<c>PYFI_GATEWAY_IDLE_TIMEOUT</c>).</summary>
    /// <value>Defaults to 5 minutes.</value>
    public TimeSpan GatewayIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a request line may take to arrive whole, from its first byte, and its response to be taken by the
    /// client (<c>PYFI_GATEWAY_REQUEST_TIMEOUT</c>). Time the silo spends on the operation does not count.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan GatewayRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a connection to Orleans' gateway or silo port may take to send Orleans' handshake before it is
    /// closed (<c>PYFI_ORLEANS_HANDSHAKE_TIMEOUT</c>).
    /// </summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan OrleansHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Cuts the connection limits to <paramref name="perPort"/> connections a port (what the process's file limit
    /// allows, see <c>FileDescriptors.PerPort</c>) when they are set higher, remembering the setting in
    /// <see cref="GatewayMaxConnectionsAsSet"/>: running out of file descriptors can kill the process.
    /// </summary>
    public void FitConnectionsTo(int perPort)
    {
        if (GatewayMaxConnections <= perPort) return;
        GatewayMaxConnectionsAsSet = GatewayMaxConnections;
        GatewayMaxConnections = perPort;
        GatewayMaxConnectionsPerAddress = Math.Min(GatewayMaxConnectionsPerAddress, perPort);
    }
}
