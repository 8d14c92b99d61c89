using System.Net;

namespace Pyfi.Silo.Options;

/// <summary>
/// How a silo joins the network, bound from the <c>Pyfi</c> section of appsettings.json and overridden by
/// environment variables (<see cref="PyfiEnvironment"/>).
/// </summary>
public sealed class PyfiSiloOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi";

    /// <summary>Folder for the SQLite file, git checkouts and Python environments (<c>PYFI_DATA</c>).</summary>
    /// <value>Defaults to <c>./.pyfi</c>, relative to the working directory.</value>
    public string DataPath { get; set; } = "./.pyfi";

    /// <summary>Port silos talk to each other on (<c>PYFI_SILO_PORT</c>).</summary>
    /// <value>Defaults to 11111.</value>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// Port clients connect to (<c>PYFI_GATEWAY_PORT</c>): the <c>pyfi</c> tool speaks Pyfi's gateway protocol
    /// here, and the .NET client learns here where Orleans' own gateway is.
    /// </summary>
    /// <value>Defaults to 30000.</value>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Port of Orleans' client gateway, which .NET clients are sent to (<c>PYFI_ORLEANS_GATEWAY_PORT</c>).</summary>
    /// <value>Defaults to 30001.</value>
    public int OrleansGatewayPort { get; set; } = 30001;

    /// <summary>Port of the silo's web endpoint (<c>PYFI_DASHBOARD_PORT</c>): the Orleans Dashboard at <c>/</c>, Prometheus metrics at <c>/metrics</c>; 0 turns it off.</summary>
    /// <value>Defaults to 8080.</value>
    public int DashboardPort { get; set; } = 8080;

    /// <summary>Address the dashboard and metrics listen on (<c>PYFI_DASHBOARD_ADDRESS</c>): only this machine unless set otherwise.</summary>
    /// <value>Defaults to 127.0.0.1.</value>
    public string DashboardAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Whether the dashboard and metrics answer without a token (<c>PYFI_DASHBOARD_PUBLIC</c>): for a port only a
    /// trusted network reaches. Off, every request needs a token of any role (Bearer, or the password of Basic auth).
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool DashboardPublic { get; set; }

    /// <summary>
    /// The silo's certificate, PEM (<c>PYFI_TLS_CERT</c>): with <see cref="TlsKey"/> it turns on TLS on every port of
    /// the silo but the web port (the gateway, Orleans' gateway, silo to silo). Off by default.
    /// </summary>
    public string? TlsCert { get; set; }

    /// <summary>The private key of <see cref="TlsCert"/>, PEM (<c>PYFI_TLS_KEY</c>).</summary>
    public string? TlsKey { get; set; }

    /// <summary>
    /// The certificate authority, PEM, whose certificates this silo accepts from peer silos (<c>PYFI_TLS_CA</c>);
    /// without it a peer must show the same certificate as this silo.
    /// </summary>
    public string? TlsCa { get; set; }

    /// <summary>Executing slots this silo offers, one per core (<c>PYFI_CORES</c>); 0 means the machine's cores.</summary>
    /// <value>Defaults to 0.</value>
    public int Cores { get; set; }

    /// <summary>The Python that processors' environments are built with (<c>PYFI_PYTHON</c>).</summary>
    /// <value>Defaults to <c>python3</c>.</value>
    public string Python { get; set; } = "python3";

    /// <summary>The host name this silo answers to in processors' host lists (<c>PYFI_HOSTNAME</c>; default the machine's name).</summary>
    public string HostName { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>How long a running attempt's lease holds without renewal (<c>PYFI_LEASE</c>, e.g. <c>00:00:20</c>).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a stopping silo (SIGTERM, Ctrl+C) lets the attempts running on it finish (<c>PYFI_DRAIN</c>, e.g.
    /// <c>00:00:30</c>); those still running then are cut off and handed back to their queue, not counted as attempts.
    /// A second Ctrl+C cuts them off at once.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan Drain { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long ended calls are kept (<c>PYFI_RETENTION</c>, e.g. <c>7.00:00:00</c>).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The memory (address space) each Python worker may use unless its processor sets <c>--memory</c>
    /// (<c>PYFI_WORKER_MEMORY</c>, e.g. <c>2G</c>, <c>512M</c>); <c>0</c> for no limit.
    /// </summary>
    /// <value>Defaults to 2G.</value>
    public string WorkerMemory { get; set; } = "2G";

    /// <summary>
    /// The largest payload, in bytes of JSON, of a call's arguments and of its result (<c>PYFI_MAX_PAYLOAD</c>); also
    /// of a request line on the gateway port (with 64 KiB more for its envelope, checked while it is read). Orleans'
    /// messages are bounded at twice it and 4 MiB (a call's record carries its arguments and its result).
    /// </summary>
    /// <value>Defaults to 16 MiB (16777216).</value>
    public long MaxPayloadBytes { get; set; } = PyfiLimits.DefaultMaxPayloadBytes;

    /// <summary>
    /// The repositories processors may come from (<c>PYFI_REPOS</c>): URL prefixes and folders, separated by
    /// commas or semicolons, e.g. <c>https://github.com/myorg/,/srv/repos</c>. Empty allows any repository.
    /// </summary>
    /// <value>Defaults to empty: any repository.</value>
    public string Repositories { get; set; } = "";

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

    /// <summary>The worker memory limit in bytes (0: none); <see cref="Validate"/> has checked it reads.</summary>
    public long WorkerMemoryBytes => ByteSize.TryParse(WorkerMemory, out var bytes) ? bytes : 0;

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

    /// <summary>Address other silos and clients reach this silo at (<c>PYFI_ADVERTISED_ADDRESS</c>).</summary>
    /// <value>Defaults to 127.0.0.1: one host. Set the host's address for a cluster across hosts.</value>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Cluster id; silos and clients of one network share it (<c>PYFI_CLUSTER_ID</c>).</summary>
    /// <value>Defaults to <c>pyfi</c>.</value>
    public string ClusterId { get; set; } = "pyfi";

    /// <summary>Service id; the key under which state is stored (<c>PYFI_SERVICE_ID</c>).</summary>
    /// <value>Defaults to <c>pyfi</c>.</value>
    public string ServiceId { get; set; } = "pyfi";

    /// <summary>Throws <see cref="InvalidSpecException"/> describing the first setting that cannot work.</summary>
    public void Validate()
    {
        static void Timeout(string name, TimeSpan timeout)
        {
            if (timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromDays(1))
                throw new InvalidSpecException($"{name} must be between 100 milliseconds and 1 day, not {timeout}");
        }

        static void Port(string name, int port, bool zeroAllowed = false)
        {
            if (port is < 0 or > 65535 || (port == 0 && !zeroAllowed))
            {
                throw new InvalidSpecException($"{name} must be a port number between 1 and 65535{(zeroAllowed ? " (or 0 for off)" : "")}, not {port}");
            }
        }

        Port("PYFI_SILO_PORT", SiloPort);
        Port("PYFI_GATEWAY_PORT", GatewayPort);
        Port("PYFI_ORLEANS_GATEWAY_PORT", OrleansGatewayPort);
        Port("PYFI_DASHBOARD_PORT", DashboardPort, zeroAllowed: true);
        int[] ports = [SiloPort, GatewayPort, OrleansGatewayPort];
        if (ports.Distinct().Count() != ports.Length)
        {
            throw new InvalidSpecException($"the silo, gateway and Orleans gateway ports must differ ({SiloPort}, {GatewayPort}, {OrleansGatewayPort})");
        }
        if (!IPAddress.TryParse(AdvertisedAddress, out _))
        {
            throw new InvalidSpecException($"PYFI_ADVERTISED_ADDRESS must be an IP address, not '{AdvertisedAddress}'");
        }

        if (!IPAddress.TryParse(DashboardAddress, out _))
        {
            throw new InvalidSpecException($"PYFI_DASHBOARD_ADDRESS must be an IP address, not '{DashboardAddress}'");
        }

        if (string.IsNullOrWhiteSpace(TlsCert) != string.IsNullOrWhiteSpace(TlsKey))
        {
            throw new InvalidSpecException("PYFI_TLS_CERT and PYFI_TLS_KEY go together: set both to turn TLS on, or neither");
        }

        if (string.IsNullOrWhiteSpace(DataPath)) throw new InvalidSpecException("PYFI_DATA must name a folder");
        if (Cores is < 0 or > 4096) throw new InvalidSpecException($"PYFI_CORES must be between 1 and 4096 (0 for the machine's cores), not {Cores}");
        if (Lease < TimeSpan.FromSeconds(1) || Lease > TimeSpan.FromHours(1)) throw new InvalidSpecException($"PYFI_LEASE must be between 1 second and 1 hour, not {Lease}");
        if (Drain < TimeSpan.Zero || Drain > TimeSpan.FromHours(1)) throw new InvalidSpecException($"PYFI_DRAIN must be between 0 and 1 hour, not {Drain}");
        if (Retention < TimeSpan.FromSeconds(1)) throw new InvalidSpecException($"PYFI_RETENTION must be at least a second, not {Retention}");
        if (GatewayMaxConnections is < 1 or > 1_000_000)
            throw new InvalidSpecException($"PYFI_GATEWAY_MAX_CONNECTIONS must be between 1 and 1000000, not {GatewayMaxConnections}");
        if (GatewayMaxConnectionsPerAddress < 1 || GatewayMaxConnectionsPerAddress > GatewayMaxConnections)
            throw new InvalidSpecException($"PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS must be between 1 and PYFI_GATEWAY_MAX_CONNECTIONS ({GatewayMaxConnections}), not {GatewayMaxConnectionsPerAddress}");
        Timeout("PYFI_GATEWAY_IDLE_TIMEOUT", GatewayIdleTimeout);
        Timeout("PYFI_GATEWAY_REQUEST_TIMEOUT", GatewayRequestTimeout);
        Timeout("PYFI_ORLEANS_HANDSHAKE_TIMEOUT", OrleansHandshakeTimeout);
        if (string.IsNullOrWhiteSpace(Python)) throw new InvalidSpecException("PYFI_PYTHON must name a Python interpreter");
        if (!ByteSize.TryParse(WorkerMemory, out var memory)) throw new InvalidSpecException($"PYFI_WORKER_MEMORY must be an amount of memory like 2G or 512M (0 for no limit), not '{WorkerMemory}'");
        if (memory != 0) ModelRules.WorkerMemory("PYFI_WORKER_MEMORY", memory);
        if (MaxPayloadBytes is < 1024 or > 1L << 30) throw new InvalidSpecException($"PYFI_MAX_PAYLOAD must be between 1024 and {1L << 30} bytes, not {MaxPayloadBytes}");
        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            throw new InvalidSpecException("the cluster id and service id must not be empty");
        }
    }
}
