using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Pyfi.Grains.Workers;

/// <summary>
/// Tells the slot ledger how many cores this silo offers (<c>PYFI_CORES</c>): as the silo becomes active, and
/// again every few seconds, in case the ledger was re-activated elsewhere.
/// </summary>
internal sealed partial class SlotCapacityReporter(
    IGrainFactory grains, ILocalSiloDetails silo, PyfiRuntimeOptions options, ILogger<SlotCapacityReporter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);
    private Timer? _timer;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SlotCapacityReporter), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReportAsync();
        _timer = new Timer(_ => ReportAsync().Ignore(), null, Period, Period);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null) await _timer.DisposeAsync();
    }

    private async Task ReportAsync()
    {
        try
        {
            await grains.GetGrain<ISlotLedgerGrain>(0).RegisterSiloAsync(silo.SiloAddress, options.Cores, options.HostName);
        }
        catch (Exception e)
        {
            LogReportFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report this silo's cores to the slot ledger")]
    private partial void LogReportFailed(Exception exception);
}
