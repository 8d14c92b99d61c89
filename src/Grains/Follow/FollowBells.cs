using System.Collections.Frozen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Follow;

/// <summary>
/// Rings followers as this silo's calls end: once per committed batch, one ring per followed target that batch ended
/// calls of, on the target's stream (<see cref="FollowStreams"/>). Which targets are followed is asked of
/// <see cref="IFollowLeasesGrain"/> every second; while none is, the call store is given no observer, so the hot path
/// pays nothing. Rings are sent from a loop of their own, never from the writer's path, and a burst of batches
/// becomes one ring per target. A ring only wakes followers: they read what ended from the database.
/// </summary>
internal sealed partial class FollowBells(CallStore calls, IGrainFactory grains, IServiceProvider services, ILogger<FollowBells> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How often the followed targets are asked for: a new follower is rung within about this (it reads each second meanwhile).</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _rung = new(0, 1);
    private readonly Lock _lock = new();
    private Dictionary<string, int> _pending = new(StringComparer.Ordinal);
    private FrozenSet<string> _followed = FrozenSet<string>.Empty;
    private Task? _loops;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(FollowBells), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _loops = Task.WhenAll(Task.Run(RefreshLoopAsync), Task.Run(RingLoopAsync));
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        calls.ObserveEnds(null);
        await _stopping.CancelAsync();
        if (_loops is not null) await _loops.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(Refresh);
        do
        {
            try
            {
                var followed = await grains.GetGrain<IFollowLeasesGrain>(0).ListAsync();
                Volatile.Write(ref _followed, followed.ToFrozenSet(StringComparer.Ordinal));
                calls.ObserveEnds(followed.Length == 0 ? null : Ended);
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                // The cluster is changing: the last known targets are rung meanwhile; followers read each second anyway.
                LogRefreshFailed(e.Message.Split('\n')[0]);
            }
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // On the call store's writer, after a commit: only counts, then wakes the ring loop.
    private void Ended(IReadOnlyList<CallInfo> ended)
    {
        var followed = Volatile.Read(ref _followed);
        lock (_lock)
        {
            foreach (var call in ended)
            {
                Count(followed, FollowTarget.SocketKey(call.Socket));
                if (call.Run is { } run) Count(followed, FollowTarget.RunKey(run));
            }
        }

        if (_rung.CurrentCount == 0)
        {
            try
            {
                _rung.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    private void Count(FrozenSet<string> followed, string key)
    {
        if (followed.Contains(key)) _pending[key] = _pending.GetValueOrDefault(key) + 1;
    }

    private async Task RingLoopAsync()
    {
        var provider = services.GetRequiredKeyedService<IStreamProvider>(FollowStreams.Provider);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _rung.WaitAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Dictionary<string, int> rings;
            lock (_lock)
            {
                rings = _pending;
                _pending = new(StringComparer.Ordinal);
            }

            foreach (var (key, count) in rings)
            {
                try
                {
                    await provider.GetStream<FollowBell>(StreamId.Create(FollowStreams.Namespace, key)).OnNextAsync(new FollowBell(count));
                }
                catch (Exception e) when (!_stopping.IsCancellationRequested)
                {
                    // Its follower reads within a second anyway.
                    LogRingFailed(key, e.Message.Split('\n')[0]);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not ask which calls are followed: {Reason}")]
    private partial void LogRefreshFailed(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not ring the followers of {Target}: {Reason}")]
    private partial void LogRingFailed(string target, string reason);
}
