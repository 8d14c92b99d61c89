namespace Pyfi.Silo.Options;

/// <summary>
/// How a silo joins the network and where it listens, bound from the <c>Pyfi</c> section of appsettings.json and
/// overridden by environment variables (<see cref="PyfiEnvironment"/>); checked at start by
/// <see cref="PyfiSiloOptionsValidator"/>. What its ports' connections may hold is <see cref="PyfiConnectionOptions"/>,
/// what its grains run with <c>PyfiRuntimeOptions</c>, its database <c>PyfiStorageOptions</c>.
/// </summary>
public sealed class PyfiSiloOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi";

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

    /// <summary>Address other silos and clients reach this silo at (<c>PYFI_ADVERTISED_ADDRESS</c>).</summary>
    /// <value>Defaults to 127.0.0.1: one host. Set the host's address for a cluster across hosts.</value>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Cluster id; silos and clients of one network share it (<c>PYFI_CLUSTER_ID</c>).</summary>
    /// <value>Defaults to <c>pyfi</c>.</value>
    public string ClusterId { get; set; } = "pyfi";

    /// <summary>Service id; the key under which state is stored (<c>PYFI_SERVICE_ID</c>).</summary>
    /// <value>Defaults to <c>pyfi</c>.</value>
    public string ServiceId { get; set; } = "pyfi";
}
