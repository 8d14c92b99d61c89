using Pyfi.Storage;

namespace Pyfi.Silo.Options;

/// <summary>
/// The environment variables a silo reads, and the configuration key each one sets: the one list of them (the
/// storage ones are <see cref="StorageEnvironment"/>'s, which <c>pyfi db init</c> reads too). The host adds
/// <see cref="ReadOverrides"/> after its configuration files so the environment wins.
/// </summary>
public static class PyfiEnvironment
{
    /// <summary>Environment variable → configuration key.</summary>
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>(new Dictionary<string, string>
    {
        ["PYFI_SILO_PORT"] = "Pyfi:SiloPort",
        ["PYFI_GATEWAY_PORT"] = "Pyfi:GatewayPort",
        ["PYFI_ORLEANS_GATEWAY_PORT"] = "Pyfi:OrleansGatewayPort",
        ["PYFI_DASHBOARD_PORT"] = "Pyfi:DashboardPort",
        ["PYFI_DASHBOARD_ADDRESS"] = "Pyfi:DashboardAddress",
        ["PYFI_DASHBOARD_PUBLIC"] = "Pyfi:DashboardPublic",
        ["PYFI_ADVERTISED_ADDRESS"] = "Pyfi:AdvertisedAddress",
        ["PYFI_CLUSTER_ID"] = "Pyfi:ClusterId",
        ["PYFI_SERVICE_ID"] = "Pyfi:ServiceId",
        ["PYFI_GATEWAY"] = "Pyfi:Client:Gateways",
        ["PYFI_CORES"] = "Pyfi:Cores",
        ["PYFI_PYTHON"] = "Pyfi:Python",
        ["PYFI_NODE"] = "Pyfi:Node",
        ["PYFI_NPM"] = "Pyfi:Npm",
        ["PYFI_LEASE"] = "Pyfi:Lease",
        ["PYFI_HOSTNAME"] = "Pyfi:HostName",
        ["PYFI_RETENTION"] = "Pyfi:Retention",
        ["PYFI_DRAIN"] = "Pyfi:Drain",
        ["PYFI_GATEWAY_MAX_CONNECTIONS"] = "Pyfi:GatewayMaxConnections",
        ["PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS"] = "Pyfi:GatewayMaxConnectionsPerAddress",
        ["PYFI_GATEWAY_IDLE_TIMEOUT"] = "Pyfi:GatewayIdleTimeout",
        ["PYFI_GATEWAY_REQUEST_TIMEOUT"] = "Pyfi:GatewayRequestTimeout",
        ["PYFI_ORLEANS_HANDSHAKE_TIMEOUT"] = "Pyfi:OrleansHandshakeTimeout",
        ["PYFI_WORKER_MEMORY"] = "Pyfi:WorkerMemory",
        ["PYFI_MAX_PAYLOAD"] = "Pyfi:MaxPayloadBytes",
        ["PYFI_CALL_WRITERS"] = "Pyfi:CallWriters",
        ["PYFI_REPOS"] = "Pyfi:Repositories",
        ["PYFI_TLS_CERT"] = "Pyfi:TlsCert",
        ["PYFI_TLS_KEY"] = "Pyfi:TlsKey",
        ["PYFI_TLS_CA"] = "Pyfi:TlsCa",
    }.Concat(StorageEnvironment.Variables));

    /// <summary>The configuration values set by the environment variables present now.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> ReadOverrides() => StorageEnvironment.ReadOverrides(Variables);
}
