using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Pyfi.Grains.Hosting;

/// <summary>
/// The fast path of recovery on each silo, for what reminders would otherwise take up to a minute to bring back:
/// when the silo becomes active it starts the call sweeper (which registers its reminder and sweeps) and wakes every
/// schedule; when a silo of the cluster is declared dead it asks for a sweep and wakes the schedules again, so sockets
/// and schedules that lived there are activated elsewhere at once (a sleeping schedule's activation makes up the
/// slots it missed, as its catch-up rule says).
/// </summary>
internal sealed partial class ClusterRecovery(IGrainFactory grains, IClusterMembershipService membership, ILogger<ClusterRecovery> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watching;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ClusterRecovery), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // In the background: the silo is ready for new calls while old ones are taken up.
        _ = StartSweeperAsync();
        _ = WakeSchedulesAsync();
        _watching = WatchMembershipAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_watching is not null) await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task StartSweeperAsync()
    {
        try
        {
            await grains.GetGrain<ICallSweeperGrain>(0).StartAsync();
        }
        catch (Exception e)
        {
            LogSweepFailed(e);
        }
    }

    private async Task WakeSchedulesAsync()
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

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        var dead = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var newlyDead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress)).ToList();
                if (newlyDead.Count == 0) continue;
                LogSiloLost(string.Join(", ", newlyDead.Select(m => m.SiloAddress)));
                await WakeSchedulesAsync();
                try
                {
                    await grains.GetGrain<ICallSweeperGrain>(0).SweepAsync();
                }
                catch (Exception e)
                {
                    LogSweepFailed(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the schedules; their reminders will")]
    private partial void LogWakeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silos} left the cluster: taking up its calls and schedules")]
    private partial void LogSiloLost(string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sweep for stranded calls; the reminder tries again")]
    private partial void LogSweepFailed(Exception exception);
}
