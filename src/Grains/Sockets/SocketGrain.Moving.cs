using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace Pyfi.Grains.Sockets;

// Apart from SocketGrain.cs for length only: moving shares the activation's state (its attempts out, its waiters).
public sealed partial class SocketGrain
{
    // How long a socket told to move waits for its attempts to end before it gives up and carries on here.
    private static readonly TimeSpan MoveWait = TimeSpan.FromSeconds(10);

    private SocketMoving? _move;
    private int _attemptsOut;

    // Completed when the socket is about to migrate: the waits held here answer with the call as it is (the waiter asks
    // again, and reaches the new activation).
    private TaskCompletionSource? _movingOut;

    /// <inheritdoc />
    public Task MoveAsync(SiloAddress to)
    {
        if (_move is not null || drain.IsStopping || to.Equals(silo.SiloAddress) || Definition is null) return Task.CompletedTask;
        LogMoveStarted(to, _attemptsOut);
        var giveUp = this.RegisterGrainTimer(() =>
        {
            // Still here: the attempts did not end in time, or the target could not take it. Carry on here.
            LogMoveAbandoned(to);
            _move?.GiveUp.Dispose();
            _move = null;
            _movingOut = null;
            Pump();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(MoveWait, Timeout.InfiniteTimeSpan) { Interleave = true });
        _move = new SocketMoving(to, giveUp);
        TryMove();
        return Task.CompletedTask;
    }

    // Migrates once nothing of this activation is in flight: no attempt out (its end would be owned by this silo) and
    // no change waiting for the database (it would be lost with the activation). Queued calls are stored and read
    // again by the new activation.
    private void TryMove()
    {
        if (_move is not { } move || _attemptsOut > 0 || _held.AnyPending) return;
        _movingOut?.TrySetResult();
        // The director honours the placement hint the migration carries (see SocketPlacementDirector).
        RequestContext.Set(IPlacementDirector.PlacementHintKey, move.To);
        MigrateOnIdle();
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
    }

    private sealed record SocketMoving(SiloAddress To, IGrainTimer GiveUp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Moving to {Silo} once its {Attempts} attempt(s) out have ended")]
    private partial void LogMoveStarted(SiloAddress silo, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Not moving to {Silo}: it did not settle in time; carrying on here")]
    private partial void LogMoveAbandoned(SiloAddress silo);
}
