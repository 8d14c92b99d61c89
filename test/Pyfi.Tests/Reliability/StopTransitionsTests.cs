using Pyfi.Grains.Calls;

namespace Pyfi.Tests.Reliability;

/// <summary>What a stop and a call that never began do to a call (CallTransitions): no process, no silo.</summary>
[Trait("Category", "Fast")]
public sealed class StopTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetryPolicy OneAttempt = RetryPolicy.Default with { MaxAttempts = 1 };

    private static CallInfo Running(int attempt) => new()
    {
        Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = Now.AddMinutes(-1),
        State = CallState.Running, Attempts = attempt, Owner = "S127.0.0.1:1:1", Worker = "s#0", Started = Now.AddSeconds(-5), LeaseUntil = Now.AddSeconds(15),
    };

    private static WorkResult Ended(WorkOutcome outcome) => new(outcome, null, new CallError("X", "x"), null, "host:1/42", Now.AddSeconds(-5), Now);

    [Fact]
    public void AnAttemptCutOffByAStopIsHandedBackQueuedAtTheAttemptBeforeWithANote()
    {
        var next = CallTransitions.Next(Running(1), Ended(WorkOutcome.Interrupted), OneAttempt, Now, 0.5);

        Assert.Equal(CallState.Queued, next.State);
        Assert.Equal(0, next.Attempts);
        Assert.Null(next.NotBefore);
        Assert.Null(next.LeaseUntil);
        Assert.Null(next.Owner);
        var note = Assert.Single(next.History);
        Assert.Equal(FailureKinds.InterruptedByShutdown.Name, note.Error.Type);
        Assert.Equal(1, note.Number);
        Assert.Equal("host:1/42", note.Worker);
    }

    [Fact]
    public void AStopOnTheLastAttemptNeverFailsTheCall()
    {
        var call = Running(3);
        for (var stop = 0; stop < 3; stop++) call = CallTransitions.Next(call, Ended(WorkOutcome.Interrupted), RetryPolicy.Default, Now, 0.5) with { State = CallState.Running, Attempts = 3 };

        Assert.Equal(3, call.History.Length);
        Assert.Equal(CallState.Running, call.State);
        var succeeded = CallTransitions.Next(call, Ended(WorkOutcome.Succeeded) with { Result = "1", Error = null }, RetryPolicy.Default, Now, 0.5);
        Assert.Equal(CallState.Succeeded, succeeded.State);
        Assert.Equal(3, succeeded.Attempts);
    }

    [Fact]
    public void AnAttemptThatNeverBeganLeavesTheCallAsStoredWithoutANote()
    {
        var next = CallTransitions.Next(Running(1), Ended(WorkOutcome.NotStarted), OneAttempt, Now, 0.5);

        Assert.Equal(CallState.Queued, next.State);
        Assert.Equal(0, next.Attempts);
        Assert.Empty(next.History);
        Assert.Null(next.Started);
    }

    [Fact]
    public void ACrashedAttemptIsStillChargedAndEndsACallWithNoAttemptsLeft()
    {
        var next = CallTransitions.Next(Running(1), Ended(WorkOutcome.Crashed), OneAttempt, Now, 0.5);

        Assert.Equal(CallState.Failed, next.State);
        Assert.Equal(1, next.Attempts);
    }
}
