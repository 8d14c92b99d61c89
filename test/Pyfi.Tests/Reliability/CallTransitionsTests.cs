using Pyfi.Grains.Calls;

namespace Pyfi.Tests.Reliability;

/// <summary>The rules of a call's life (CallTransitions): each change and the guard it is stored under. No process, no silo.</summary>
[Trait("Category", "Fast")]
public sealed class CallTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetryPolicy ThreeAttempts = RetryPolicy.Default with { MaxAttempts = 3, InitialBackoff = TimeSpan.FromSeconds(1), Multiplier = 2, Jitter = 0 };

    private static CallInfo Queued(int attempts = 0) => new()
    {
        Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = Now.AddMinutes(-1), Attempts = attempts,
    };

    private static CallInfo Running(int attempt) =>
        CallTransitions.Started(Queued(attempt - 1), attempt, "s#0", "S127.0.0.1:1:1", "abc", Now.AddSeconds(-5), Now.AddSeconds(15));

    private static WorkResult Ended(WorkOutcome outcome, string? errorType = "ValueError", bool? startStored = true) =>
        new(outcome, outcome == WorkOutcome.Succeeded ? "42" : null, outcome == WorkOutcome.Succeeded ? null : new CallError(errorType!, "boom"), "out", "host:1/42", Now.AddSeconds(-5), Now, startStored);

    [Fact]
    public void AStartedAttemptRunsUnderALeaseOwnedByItsSiloOnASlotWhoseProcessIsNamedWhenItEnds()
    {
        var running = Running(2);
        var ended = CallTransitions.Next(running, Ended(WorkOutcome.Succeeded), ThreeAttempts, Now, 0.5);

        Assert.Equal((CallState.Running, 2, "s#0", null, "S127.0.0.1:1:1", "abc"), (running.State, running.Attempts, running.Slot, running.Worker, running.Owner, running.Commit));
        Assert.Equal(("s#0", "host:1/42"), (ended.Slot, ended.Worker));
        Assert.Equal(Now.AddSeconds(15), running.LeaseUntil);
        Assert.Null(running.NotBefore);
    }

    [Theory]
    [InlineData(true, CallState.Running, 1, false)] // its start was stored: the row says running at the attempt
    [InlineData(false, CallState.Queued, 0, false)] // its start was folded into its end: the row still says queued
    [InlineData(null, CallState.Running, 1, true)] // the worker could not say: running, or still queued before it
    public void AnAttemptsEndIsGuardedOnWhatTheRowSaysByThen(bool? startStored, CallState from, int fromAttempt, bool orQueuedBefore)
    {
        var change = CallTransitions.AfterAttempt(Running(1), Ended(WorkOutcome.Succeeded, startStored: startStored), ThreeAttempts, Now, 0.5);

        Assert.Equal((CallState.Succeeded, "42", from, fromAttempt, orQueuedBefore, false),
            (change.Next.State, change.Next.Result, change.From, change.FromAttempt, change.OrFromQueuedBefore, change.AlreadyStored));
    }

    [Fact]
    public void AnAttemptThatNeverBeganAndWasNeverStoredRunningWritesNothing()
    {
        var change = CallTransitions.AfterAttempt(Running(1), Ended(WorkOutcome.NotStarted, startStored: false), ThreeAttempts, Now, 0.5);

        Assert.True(change.AlreadyStored);
        Assert.Equal((CallState.Queued, 0), (change.Next.State, change.Next.Attempts));
    }

    [Fact]
    public void AFailedAttemptIsRetriedAfterItsBackoffUntilTheAttemptsRunOut()
    {
        var second = CallTransitions.AfterAttempt(Running(2), Ended(WorkOutcome.Failed), ThreeAttempts, Now, 0.5).Next;
        Assert.Equal((CallState.Queued, 2, Now.AddSeconds(2)), (second.State, second.Attempts, second.NotBefore));
        var ended = Assert.Single(second.History);
        Assert.Equal(("ValueError", 2), (ended.Error.Type, ended.Number));

        var last = CallTransitions.AfterAttempt(Running(3), Ended(WorkOutcome.Failed), ThreeAttempts, Now, 0.5).Next;
        Assert.Equal(CallState.Failed, last.State);
        Assert.Equal("ValueError: boom (attempt 3 of 3)", last.Error!.ToString());
    }

    [Theory]
    [InlineData("FunctionNotFound")]
    [InlineData("ResultTooLarge")]
    [InlineData("MemoryLimitExceeded")]
    [InlineData("DeploymentFailed")]
    public void AFailureThatSaysTheCodeIsWrongIsNeverRetried(string kind)
    {
        var next = CallTransitions.AfterAttempt(Running(1), Ended(WorkOutcome.Failed, kind), ThreeAttempts, Now, 0.5).Next;

        Assert.Equal(CallState.Failed, next.State);
        Assert.Equal(kind, next.Error!.Type);
    }

    [Fact]
    public void APolicysNonRetryableTypesEndTheCallAtOnce()
    {
        var policy = ThreeAttempts with { NonRetryable = ["KeyError"] };

        Assert.Equal(CallState.Failed, CallTransitions.AfterAttempt(Running(1), Ended(WorkOutcome.Failed, "KeyError"), policy, Now, 0.5).Next.State);
        Assert.Equal(CallState.Queued, CallTransitions.AfterAttempt(Running(1), Ended(WorkOutcome.Failed, "ValueError"), policy, Now, 0.5).Next.State);
    }

    [Fact]
    public void ALostAttemptIsGuardedOnItsRunningRowAndQueuedAtOnceOrFailedWhenNoneAreLeft()
    {
        var lost = CallTransitions.Lost(Running(1), FailureKinds.WorkerLost.Error("gone"), ThreeAttempts, Now);
        Assert.Equal((CallState.Running, 1), (lost.From, lost.FromAttempt));
        Assert.Equal((CallState.Queued, (DateTimeOffset?)null, (string?)null), (lost.Next.State, lost.Next.NotBefore, lost.Next.Owner));
        Assert.Equal("WorkerLost", Assert.Single(lost.Next.History).Error.Type);

        var failed = CallTransitions.Lost(Running(3), FailureKinds.WorkerLost.Error("gone"), ThreeAttempts, Now).Next;
        Assert.Equal(CallState.Failed, failed.State);
        Assert.Equal("WorkerLost: gone (attempt 3 of 3)", failed.Error!.ToString());
    }

    [Fact]
    public void ACancelIsGuardedOnTheRowAsItWasReadAndAFailureWithoutAttemptOnTheQueuedRow()
    {
        var running = Running(2);
        var cancelled = CallTransitions.Cancelled(running, Now);
        Assert.Equal((CallState.Cancelled, CallState.Running, 2, Now), (cancelled.Next.State, cancelled.From, cancelled.FromAttempt, cancelled.Next.Cancelled!.Value));

        var failed = CallTransitions.FailedWithoutAttempt(Queued(1), FailureKinds.DeploymentFailed.Error("no repo"), Now);
        Assert.Equal((CallState.Failed, CallState.Queued, 1, "DeploymentFailed"), (failed.Next.State, failed.From, failed.FromAttempt, failed.Next.Error!.Type));
    }

    [Theory]
    [InlineData(2, 0.5, 1000)]
    [InlineData(3, 0.5, 2000)]
    [InlineData(10, 0.5, 30000)] // capped at the policy's longest wait
    public void TheBackoffGrowsByTheMultiplierUpToItsLongest(int next, double random, int milliseconds)
    {
        var policy = ThreeAttempts with { MaxBackoff = TimeSpan.FromSeconds(30) };
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), CallTransitions.Backoff(policy, next, random));
    }

    [Fact]
    public void JitterSpreadsTheBackoffBothWays()
    {
        var policy = ThreeAttempts with { Jitter = 0.5 };
        Assert.Equal(TimeSpan.FromMilliseconds(500), CallTransitions.Backoff(policy, 2, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), CallTransitions.Backoff(policy, 2, 1));
    }
}
