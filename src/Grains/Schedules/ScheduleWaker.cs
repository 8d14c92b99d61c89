using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Pyfi.Grains.Schedules;

/// <summary>
/// When a silo becomes active it asks the registry to wake every schedule, so schedules fire (and make up what
/// they missed) at once after a restart instead of at their reminder's next tick, up to a minute later.
/// </summary>
internal sealed partial class ScheduleWaker(IGrainFactory grains, ILogger<ScheduleWaker> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ScheduleWaker), ServiceLifecycleStage.Active, StartAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // In the background: the silo is ready while schedules wake.
        _ = WakeAsync();
        return Task.CompletedTask;
    }

    private async Task WakeAsync()
    {
        try
        {
            await grains.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey).WakeSchedulesAsync();
        }
        catch (Exception e)
        {
            LogWakeFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the schedules; their reminders will")]
    private partial void LogWakeFailed(Exception exception);
}
