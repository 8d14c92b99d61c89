using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Pyfi.Grains;
using Pyfi.Silo.Options;
using Pyfi.Grains.Security;
using Pyfi.Storage;

namespace Pyfi.Silo.Hosting;

/// <summary>Logs the one line that says the silo serves: scripts and tests wait for it.</summary>
internal sealed partial class SiloReadyAnnouncer(
    IOptions<PyfiSiloOptions> siloOptions, IOptions<PyfiRuntimeOptions> runtime, PyfiDatabase database, IHostApplicationLifetime host, ILogger<SiloReadyAnnouncer> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The text the ready line starts with.</summary>
    public const string ReadyText = "Pyfi silo ready";

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(SiloReadyAnnouncer),
            // After the gateway listener (Active) has opened, and once the host has started (the web port listens
            // too): once the line is out, clients can connect on every port.
            ServiceLifecycleStage.Active + 1,
            _ =>
            {
                host.ApplicationStarted.Register(AnnounceReady);
                return Task.CompletedTask;
            },
            _ =>
            {
                LogStopping();
                return Task.CompletedTask;
            });

    private void AnnounceReady()
    {
        var options = siloOptions.Value;
        var dashboard = options.DashboardPort > 0 ? $"http://{options.DashboardAddress}:{options.DashboardPort}/" : "off";
        // The first admin token, where this silo made it (a silo that joined a network has none of its own).
        var token = Path.GetFullPath(Path.Combine(runtime.Value.DataPath, AdminTokenBootstrap.FileName));
        LogReady(options.AdvertisedAddress, options.GatewayPort, options.OrleansGatewayPort, options.SiloPort, database.Describe(), dashboard,
            File.Exists(token) ? token : "in the data folder of the silo that made it", Environment.ProcessId);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = ReadyText + ": gateway {Address}:{GatewayPort} (Orleans gateway {OrleansGatewayPort}), silo port {SiloPort}, storage {Database}, dashboard {Dashboard}, admin token {AdminToken}, pid {Pid}")]
    private partial void LogReady(string address, int gatewayPort, int orleansGatewayPort, int siloPort, string database, string dashboard, string adminToken, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pyfi silo stopping")]
    private partial void LogStopping();
}
