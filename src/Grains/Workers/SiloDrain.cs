using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Grains.Python;

namespace Pyfi.Grains.Workers;

/// <summary>
/// A graceful stop of this silo, first thing when it stops (SIGTERM, Ctrl+C): no new attempt starts here (sockets
/// hold their calls, worker slots refuse, the pool starts no Python process, the ledger is told this silo offers no
/// core), calls written to a process behind another are taken back (never begun: not attempts), and attempts
/// running here may finish for <see cref="PyfiRuntimeOptions.DrainTimeout"/> (<c>PYFI_DRAIN</c>). Those still
/// running then are cut off and handed back as interrupted by shutdown, which is not an attempt: their calls are
/// queued again at the attempt before. <see cref="Hurry"/> (a second Ctrl+C) cuts them off at once.
/// </summary>
public sealed partial class SiloDrain(PythonWorkerPool pool, IOptions<PyfiRuntimeOptions> settings, TimeProvider time, ILogger<SiloDrain> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly PyfiRuntimeOptions _options = settings.Value;

    // How long, once attempts are cut off, the drain waits for their sockets to store the hand-back.
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _interrupting = new();
    private readonly CancellationTokenSource _hurry = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Attempts running on this silo's worker slots; attempts this silo's sockets handed to a slot whose end they
    // have not stored yet (the same attempt is often both).
    private int _running;
    private int _handedOver;

    /// <summary>Whether this silo is stopping: nothing new starts here.</summary>
    public bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Cancelled when this silo begins to stop.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Whether the attempts still running are being cut off (the drain time is over): they end interrupted, not failed.</summary>
    public bool IsInterrupting => _interrupting.IsCancellationRequested;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        // Stopped before everything else of the silo (Active is stopped after Active + 1): while attempts drain, the
        // cluster, the database and the gateway all work, so their ends are stored as usual.
        lifecycle.Subscribe(nameof(SiloDrain), ServiceLifecycleStage.Active + 1, _ => Task.CompletedTask, DrainAsync);

    /// <summary>A worker slot here begins an attempt.</summary>
    public void AttemptBegan() => Change(ref _running, +1);

    /// <summary>A worker slot here ended an attempt.</summary>
    public void AttemptEnded() => Change(ref _running, -1);

    /// <summary>A socket here hands an attempt to a slot.</summary>
    public void HandedOver() => Change(ref _handedOver, +1);

    /// <summary>A socket here has stored what an attempt it handed over came to.</summary>
    public void Settled() => Change(ref _handedOver, -1);

    /// <summary>Stops waiting for running attempts: they are cut off as soon as the stop begins, or now (a second Ctrl+C).</summary>
    public void Hurry()
    {
        LogHurry();
        _hurry.Cancel();
    }

    private void Change(ref int counter, int by)
    {
        TaskCompletionSource? changed = null;
        lock (_lock)
        {
            counter += by;
            if (by < 0 && IsStopping)
            {
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        changed?.TrySetResult();
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        pool.StopStarting();
        await _stopping.CancelAsync();
        var withdrawn = pool.WithdrawNotStarted();
        LogDraining(Volatile.Read(ref _running), withdrawn, _options.DrainTimeout);

        // The host's own stop deadline, a second signal, or the drain time, whichever comes first.
        using var drainTime = new CancellationTokenSource(_options.DrainTimeout, time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _hurry.Token, drainTime.Token);
        if (!await WhenAsync(() => _running == 0 && _handedOver == 0, limit.Token))
        {
            var cut = Volatile.Read(ref _running);
            await _interrupting.CancelAsync();
            await pool.KillAllAsync();
            if (cut > 0) LogInterrupted(cut);
            using var settleTime = new CancellationTokenSource(SettleTimeout, time);
            using var settle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, settleTime.Token);
            if (!await WhenAsync(() => _running == 0 && _handedOver == 0, settle.Token))
            {
                LogUnsettled(Volatile.Read(ref _running), Volatile.Read(ref _handedOver));
            }
        }

        LogDrained();
    }

    // Waits until the condition holds (checked whenever a count goes down) or the token is cancelled; whether it holds.
    private async Task<bool> WhenAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (condition()) return true;
                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                lock (_lock) return condition();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: no new attempts start here; {Running} running may finish within {Drain} ({Withdrawn} written behind them were taken back, not started)")]
    private partial void LogDraining(int running, int withdrawn, TimeSpan drain);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Count} attempts still running were cut off and handed back, not counted as attempts")]
    private partial void LogInterrupted(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping now: running attempts are cut off and handed back")]
    private partial void LogHurry();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: every attempt here has ended or been handed back")]
    private partial void LogDrained();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Running} attempts here and {HandedOver} of this silo's sockets did not settle in time; their calls are taken up from storage")]
    private partial void LogUnsettled(int running, int handedOver);
}
