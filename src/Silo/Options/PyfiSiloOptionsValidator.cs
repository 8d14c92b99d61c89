using System.Net;
using Microsoft.Extensions.Options;

namespace Pyfi.Silo.Options;

/// <summary>Refuses <see cref="PyfiSiloOptions"/> that cannot work, with one line naming the first such setting.</summary>
public sealed class PyfiSiloOptionsValidator : IValidateOptions<PyfiSiloOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PyfiSiloOptions options) =>
        Refusal(options) is { } refusal ? ValidateOptionsResult.Fail(refusal) : ValidateOptionsResult.Success;

    private static string? Refusal(PyfiSiloOptions o)
    {
        var port = Port("PYFI_SILO_PORT", o.SiloPort) ?? Port("PYFI_GATEWAY_PORT", o.GatewayPort)
            ?? Port("PYFI_ORLEANS_GATEWAY_PORT", o.OrleansGatewayPort) ?? Port("PYFI_DASHBOARD_PORT", o.DashboardPort, zeroAllowed: true);
        if (port is not null) return port;
        int[] ports = [o.SiloPort, o.GatewayPort, o.OrleansGatewayPort];
        if (ports.Distinct().Count() != ports.Length) return $"the silo, gateway and Orleans gateway ports must differ ({o.SiloPort}, {o.GatewayPort}, {o.OrleansGatewayPort})";
        if (!IPAddress.TryParse(o.AdvertisedAddress, out _)) return $"PYFI_ADVERTISED_ADDRESS must be an IP address, not '{o.AdvertisedAddress}'";
        if (!IPAddress.TryParse(o.DashboardAddress, out _)) return $"PYFI_DASHBOARD_ADDRESS must be an IP address, not '{o.DashboardAddress}'";
        if (string.IsNullOrWhiteSpace(o.TlsCert) != string.IsNullOrWhiteSpace(o.TlsKey)) return "PYFI_TLS_CERT and PYFI_TLS_KEY go together: set both to turn TLS on, or neither";
        if (string.IsNullOrWhiteSpace(o.ClusterId) || string.IsNullOrWhiteSpace(o.ServiceId)) return "the cluster id and service id must not be empty";
        return null;
    }

    private static string? Port(string name, int port, bool zeroAllowed = false) =>
        port is < 0 or > 65535 || (port == 0 && !zeroAllowed)
            ? $"{name} must be a port number between 1 and 65535{(zeroAllowed ? " (or 0 for off)" : "")}, not {port}"
            : null;
}
