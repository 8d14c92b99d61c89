using Microsoft.Extensions.Options;

namespace Pyfi.Silo.Options;

/// <summary>
/// Refuses <see cref="PyfiConnectionOptions"/> that cannot work, with one line naming the first such setting. Limits
/// that cannot work are not cut to the file limit (see <see cref="SiloSettings"/>), so the line names them as set.
/// </summary>
public sealed class PyfiConnectionOptionsValidator : IValidateOptions<PyfiConnectionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PyfiConnectionOptions options) =>
        Refusal(options) is { } refusal ? ValidateOptionsResult.Fail(refusal) : ValidateOptionsResult.Success;

    /// <summary>The first setting of <paramref name="o"/> that cannot work, as the line that says so; <see langword="null"/> when every one can.</summary>
    public static string? Refusal(PyfiConnectionOptions o)
    {
        if (o.GatewayMaxConnections is < 1 or > 1_000_000) return $"PYFI_GATEWAY_MAX_CONNECTIONS must be between 1 and 1000000, not {o.GatewayMaxConnections}";
        if (o.GatewayMaxConnectionsPerAddress < 1 || o.GatewayMaxConnectionsPerAddress > o.GatewayMaxConnections)
        {
            return $"PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS must be between 1 and PYFI_GATEWAY_MAX_CONNECTIONS ({o.GatewayMaxConnections}), not {o.GatewayMaxConnectionsPerAddress}";
        }

        return Timeout("PYFI_GATEWAY_IDLE_TIMEOUT", o.GatewayIdleTimeout) ?? Timeout("PYFI_GATEWAY_REQUEST_TIMEOUT", o.GatewayRequestTimeout)
            ?? Timeout("PYFI_ORLEANS_HANDSHAKE_TIMEOUT", o.OrleansHandshakeTimeout);
    }

    private static string? Timeout(string name, TimeSpan timeout) =>
        timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromDays(1) ? $"{name} must be between 100 milliseconds and 1 day, not {timeout}" : null;
}
