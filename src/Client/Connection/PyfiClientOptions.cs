namespace Pyfi.Client;

/// <summary>Where a client finds the network. Bound from the <c>Pyfi:Client</c> section; <c>PYFI_GATEWAY</c> overrides the gateways.</summary>
public sealed class PyfiClientOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi:Client";

    /// <summary>The gateway a client uses when none is configured.</summary>
    public const string DefaultGateway = "localhost:30000";

    /// <summary>Gateways as <c>host:port</c>, comma-separated (<c>PYFI_GATEWAY</c>).</summary>
    /// <value>Defaults to <c>localhost:30000</c>.</value>
    public string Gateways { get; set; } = DefaultGateway;

    /// <summary>The network's cluster id (<c>PYFI_CLUSTER_ID</c>).</summary>
    /// <value>Defaults to <c>pyfi</c>.</value>
    public string ClusterId { get; set; } = "pyfi";

    /// <summary>The network's service id (<c>PYFI_SERVICE_ID</c>).</summary>
    /// <value>Defaults to <c>pyfi</c>.</value>
    public string ServiceId { get; set; } = "pyfi";

    /// <summary>How long to try to reach a gateway before giving up.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether to keep trying, until <see cref="ConnectTimeout"/>, while no gateway accepts the connection
    /// (e.g. a silo that is still starting). Off, a refused connection fails at once.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool RetryConnect { get; set; }

    /// <summary>Options from the environment (<c>PYFI_GATEWAY</c>, <c>PYFI_CLUSTER_ID</c>, <c>PYFI_SERVICE_ID</c>) over the defaults.</summary>
    public static PyfiClientOptions FromEnvironment()
    {
        var options = new PyfiClientOptions();
        foreach (var (key, value) in PyfiEnvironment.ReadOverrides())
        {
            switch (key)
            {
                case "Pyfi:Client:Gateways": options.Gateways = value!; break;
                case "Pyfi:ClusterId": options.ClusterId = value!; break;
                case "Pyfi:ServiceId": options.ServiceId = value!; break;
            }
        }

        return options;
    }
}
