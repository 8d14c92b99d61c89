using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Calls;

/// <summary>
/// The rules of a call's life, in one place: what a call becomes when an attempt starts, when it ends in
/// each way, and when its attempt is found lost. Pure functions: each change comes with the state and attempt
/// it must be applied from (a <see cref="CallChange"/>), so a caller never chooses a guard; the socket and the
/// worker grains store what these return.
/// </summary>
public static class CallTransitions
{
    /// <summary>
    /// The call as attempt <paramref name="attempt"/> is handed to worker slot <paramref name="slot"/> on silo
    /// <paramref name="owner"/>, holding a lease until <paramref name="leaseUntil"/> (its process is named when it begins).
    /// </summary>
    public static CallInfo Started(CallInfo queued, int attempt, string slot, string owner, string? commit, DateTimeOffset now, DateTimeOffset leaseUntil) => queued with
    {
        State = CallState.Running,
        Attempts = attempt,
        Slot = slot,
        Worker = null,
        Owner = owner,
        Commit = commit ?? queued.Commit,
        Started = now,
        LeaseUntil = leaseUntil,
        NotBefore = null,
    };

    /// <summary>
    /// The change after <paramref name="running"/>'s attempt ended with <paramref name="result"/> (see
    /// <see cref="Next(CallInfo, WorkResult, RetryPolicy, DateTimeOffset, double)"/>), guarded on what the row says
    /// by then: running at the attempt when its start was stored; queued at the attempt before when it was not (it
    /// ended within the start's deferral, or never began: then nothing is to be written); either, when the worker
    /// could not say (the start's write failed).
    /// </summary>
    public static CallChange AfterAttempt(CallInfo running, WorkResult result, RetryPolicy policy, DateTimeOffset now, double random)
    {
        var next = Next(running, result, policy, now, random);
        return result.StartStored switch
        {
            false when result.Outcome == WorkOutcome.NotStarted => new CallChange(next, CallState.Queued, running.Attempts - 1) { AlreadyStored = true },
            false => new CallChange(next, CallState.Queued, running.Attempts - 1),
            true => new CallChange(next, CallState.Running, running.Attempts),
            null => new CallChange(next, CallState.Running, running.Attempts) { OrFromQueuedBefore = true },
        };
    }

    /// <summary>
    /// The call after its running attempt ended with <paramref name="result"/>: ended (succeeded, or failed for
    /// good), or queued again for another attempt after a backoff, or (the attempt never started, or its silo's stop
    /// cut it off) queued again at the attempt before. <paramref name="random"/> in [0, 1) spreads the backoff by the
    /// policy's jitter.
    /// </summary>
    public static CallInfo Next(CallInfo running, WorkResult result, RetryPolicy policy, DateTimeOffset now, double random)
    {
        if (result.Outcome == WorkOutcome.NotStarted) return NotStarted(running);
        if (result.Outcome == WorkOutcome.Interrupted) return Interrupted(running, result.Worker, result.Started, now);

        if (result.Outcome == WorkOutcome.Succeeded)
        {
            return Ended(running, CallState.Succeeded, result.Result, null, result, now);
        }

        var error = result.Error ?? FailureKinds.Unknown.Error("the attempt failed without saying why");
        if (!Retries(policy, result.Outcome, error) || running.Attempts >= policy.MaxAttempts)
        {
            var final = running.Attempts > 1 || result.Outcome is WorkOutcome.Crashed or WorkOutcome.TimedOut
                ? error with { Message = $"{error.Message} (attempt {running.Attempts} of {policy.MaxAttempts})" }
                : error;
            return Ended(running, CallState.Failed, null, final, result, now);
        }

        return Requeued(running, new CallAttempt(running.Attempts, result.Worker, running.Started, now, error), policy, now, random) with { Output = result.Output };
    }

    /// <summary>The call as it was before an attempt that never began: queued at the attempt before, as stored.</summary>
    public static CallInfo NotStarted(CallInfo running) =>
        running with { State = CallState.Queued, Attempts = running.Attempts - 1, LeaseUntil = null, Owner = null, Started = null };

    /// <summary>
    /// The call after its silo's stop cut its running attempt off (it ran past <c>PYFI_DRAIN</c>): handed back,
    /// queued at once at the attempt before: not an attempt, and so never the reason a call fails. Its history notes it.
    /// </summary>
    public static CallInfo Interrupted(CallInfo running, string? worker, DateTimeOffset? started, DateTimeOffset now) => NotStarted(running) with
    {
        History = running.History.Add(new CallAttempt(running.Attempts, worker, started ?? running.Started, now,
            FailureKinds.InterruptedByShutdown.Error("the silo stopped before the attempt ended; it was handed back and does not count as an attempt"))),
        NotBefore = null,
    };

    /// <summary>The call after its running attempt was found lost (its worker or silo gone, its lease lapsed): queued again at once, or failed when it has no attempts left.</summary>
    public static CallChange Lost(CallInfo running, CallError why, RetryPolicy policy, DateTimeOffset now) =>
        new(LostCall(running, why, policy, now), CallState.Running, running.Attempts);

    private static CallInfo LostCall(CallInfo running, CallError why, RetryPolicy policy, DateTimeOffset now)
    {
        if (running.Attempts >= policy.MaxAttempts)
        {
            return running with
            {
                State = CallState.Failed,
                Error = why with { Message = $"{why.Message} (attempt {running.Attempts} of {policy.MaxAttempts})" },
                Finished = now,
                LeaseUntil = null,
            };
        }

        return running with
        {
            State = CallState.Queued,
            History = running.History.Add(new CallAttempt(running.Attempts, running.Worker, running.Started, now, why)),
            LeaseUntil = null,
            Owner = null,
            NotBefore = null,
        };
    }

    /// <summary>The call, as stored, cancelled now.</summary>
    public static CallChange Cancelled(CallInfo stored, DateTimeOffset now) => new(stored with
    {
        State = CallState.Cancelled,
        Error = FailureKinds.Cancelled.Error("the call was cancelled"),
        Cancelled = now,
        Finished = now,
        LeaseUntil = null,
    }, stored.State, stored.Attempts);

    /// <summary>The queued call failed without an attempt (e.g. its processor cannot be deployed).</summary>
    public static CallChange FailedWithoutAttempt(CallInfo queued, CallError error, DateTimeOffset now) => new(queued with
    {
        State = CallState.Failed,
        Error = error,
        Finished = now,
        LeaseUntil = null,
    }, CallState.Queued, queued.Attempts);

    /// <summary>The wait before attempt <paramref name="next"/> (2 or more) under <paramref name="policy"/>.</summary>
    public static TimeSpan Backoff(RetryPolicy policy, int next, double random)
    {
        var wait = policy.InitialBackoff.TotalMilliseconds * Math.Pow(policy.Multiplier, Math.Max(0, next - 2));
        wait = Math.Min(wait, policy.MaxBackoff.TotalMilliseconds);
        wait *= 1 + (policy.Jitter * ((2 * random) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, wait));
    }

    private static bool Retries(RetryPolicy policy, WorkOutcome outcome, CallError error) =>
        outcome is WorkOutcome.Failed or WorkOutcome.Crashed or WorkOutcome.TimedOut
        && FailureKinds.IsRetried(error.Type)
        && !policy.NonRetryable.Contains(error.Type);

    private static CallInfo Requeued(CallInfo running, CallAttempt ended, RetryPolicy policy, DateTimeOffset now, double random) => running with
    {
        State = CallState.Queued,
        History = running.History.Add(ended),
        NotBefore = now + Backoff(policy, running.Attempts + 1, random),
        LeaseUntil = null,
        Owner = null,
    };

    private static CallInfo Ended(CallInfo running, CallState state, string? value, CallError? error, WorkResult result, DateTimeOffset now) => running with
    {
        State = state,
        Result = value,
        Error = error,
        Output = result.Output,
        Worker = result.Worker,
        Started = result.Started,
        Finished = now,
        LeaseUntil = null,
    };
}
