using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Pyfi.Grains.Security;
using Pyfi.Silo.Gateway;
using Pyfi.Grains;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// Says once, at start, what a silo reachable from other hosts leaves open: tokens and calls in clear without TLS,
/// and code from any repository without <c>PYFI_REPOS</c> (docs/security.md). A silo on loopback says nothing.
/// </summary>
internal sealed partial class ExposureWarnings(IOptions<PyfiRuntimeOptions> runtime, GatewayEndpoint gateway, ILogger<ExposureWarnings> logger, SiloTls? tls = null)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ExposureWarnings), ServiceLifecycleStage.Active, _ =>
        {
            if (IPAddress.IsLoopback(gateway.Address)) return Task.CompletedTask;
            if (tls is null) LogClearText(gateway.Address.ToString());
            if (string.IsNullOrWhiteSpace(runtime.Value.Repositories)) LogAnyRepository(gateway.Address.ToString());
            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The gateways listen on {Address} without TLS: tokens, calls and results cross the network in clear, and anything that reaches the silo port is taken for a silo. Set PYFI_TLS_CERT and PYFI_TLS_KEY (docs/security.md)")]
    private partial void LogClearText(string address);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The gateway listens on {Address} and PYFI_REPOS is not set: processors may come from any repository, so their code runs as this silo's user. Set PYFI_REPOS to the repositories you trust (docs/security.md)")]
    private partial void LogAnyRepository(string address);
}
