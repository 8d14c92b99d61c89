namespace Pyfi.Client;

/// <summary>
/// Where a client finds the network (the silos' gateway ports), what it presents (a token) and whom it trusts (TLS).
/// Bound from the <c>Pyfi:Client</c> section; <c>PYFI_GATEWAY</c>, <c>PYFI_TOKEN</c>/<c>PYFI_TOKEN_FILE</c>,
/// <c>PYFI_TLS_CA</c> and <c>PYFI_TLS_FINGERPRINT</c> override them. Cluster and service ids come from the gateway itself.
/// </summary>
public sealed class PyfiClientOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi:Client";

    /// <summary>The gateway a client uses when none is configured.</summary>
    public const string DefaultGateway = "localhost:30000";

    /// <summary>Gateways as <c>host:port</c>, comma-separated (<c>PYFI_GATEWAY</c>).</summary>
    /// <value>Defaults to <c>localhost:30000</c>.</value>
    public string Gateways { get; set; } = DefaultGateway;

    /// <summary>
    /// The token this client presents (see <see cref="PyfiToken"/>): when <see langword="null"/>, <c>PYFI_TOKEN</c>,
    /// then the file <c>PYFI_TOKEN_FILE</c> names, then <c>./.pyfi/admin.token</c>.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// A PEM file of the certificate authority whose certificates the client accepts from silos that speak TLS
    /// (<c>PYFI_TLS_CA</c>); the certificate must name the host dialled. See <see cref="PyfiTls"/>.
    /// </summary>
    public string? TlsCa { get; set; }

    /// <summary>The SHA-256 fingerprint (hex) of the one certificate the client accepts from silos that speak TLS (<c>PYFI_TLS_FINGERPRINT</c>).</summary>
    public string? TlsFingerprint { get; set; }

    /// <summary>How long to try to reach a gateway before giving up.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether to keep trying, until <see cref="ConnectTimeout"/>, while no gateway accepts the connection
    /// (e.g. a silo that is still starting). Off, a refused connection fails at once.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool RetryConnect { get; set; }

    /// <summary>
    /// How long the client keeps trying an operation through failures in a row that only say the cluster is changing
    /// (a silo lost, membership settling; see <see cref="PyfiRetry"/>) before it gives up with <see cref="UnavailableException"/>.
    /// </summary>
    /// <value>Defaults to 60 seconds (<see cref="PyfiRetry.DefaultPatience"/>).</value>
    public TimeSpan Patience { get; set; } = PyfiRetry.DefaultPatience;

    /// <summary>Options from the environment (<c>PYFI_GATEWAY</c>) over the defaults.</summary>
    public static PyfiClientOptions FromEnvironment()
    {
        var options = new PyfiClientOptions();
        if (Environment.GetEnvironmentVariable("PYFI_GATEWAY") is { Length: > 0 } gateways) options.Gateways = gateways;
        if (Environment.GetEnvironmentVariable("PYFI_TLS_CA") is { Length: > 0 } ca) options.TlsCa = ca;
        if (Environment.GetEnvironmentVariable("PYFI_TLS_FINGERPRINT") is { Length: > 0 } fingerprint) options.TlsFingerprint = fingerprint;
        return options;
    }
}
