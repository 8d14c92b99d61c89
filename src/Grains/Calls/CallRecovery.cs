using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Pyfi.Grains.Calls;

/// <summary>
/// The fast path of call recovery on each silo: when the silo becomes active it starts the sweeper (which
/// registers its reminder and sweeps), and when a silo of the cluster is declared dead it asks for a sweep, so
/// sockets that lived there are activated elsewhere and run their calls again without waiting for the reminder.
/// </summary>
internal sealed partial class CallRecovery(IGrainFactory grains, IClusterMembershipService membership, ILogger<CallRecovery> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watching;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CallRecovery), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // In the background: the silo is ready for new calls while old ones are taken up.
        _ = StartSweeperAsync();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silos} left the cluster: taking up its calls")]
    private partial void LogSiloLost(string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sweep for stranded calls; the reminder tries again")]
    private partial void LogSweepFailed(Exception exception);
}
