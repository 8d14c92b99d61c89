namespace Pyfi.Grains.Python;

/// <summary>What a Python worker answered for one call.</summary>
/// <param name="Ok">Whether the function returned a serialisable value.</param>
/// <param name="Result">The value as JSON text.</param>
/// <param name="Error">The exception or reason, when not.</param>
/// <param name="Output">What the function printed.</param>
public sealed record PythonReply(bool Ok, string? Result, CallError? Error, string? Output)
{
    /// <summary>Whether the process began the call (said so before it replied); a call it skipped (cancelled, taken back) never did.</summary>
    public bool Started { get; init; }
}

/// <summary>The worker process ended (or was stopped) while it held a call, or could not start.</summary>
/// <param name="message">What happened.</param>
/// <param name="started">Whether the process had begun the call (a call queued behind another had not).</param>
/// <param name="kind">The error kind the call reports (<see cref="FailureKinds.WorkerDied"/> when not given).</param>
public sealed class PythonWorkerExitedException(string message, bool started = true, FailureKind? kind = null) : Exception(message)
{
    /// <summary>Whether the process had begun the call: one that had not can run elsewhere without counting an attempt.</summary>
    public bool Started { get; } = started;

    /// <summary>Why, as the call's error kind: <see cref="FailureKinds.WorkerDied"/>, <see cref="FailureKinds.WorkerProtocolViolation"/>, <see cref="FailureKinds.ResultTooLarge"/>.</summary>
    public string Kind { get; } = (kind ?? FailureKinds.WorkerDied).Name;

    /// <summary>The same failure, for a call that had not started.</summary>
    public PythonWorkerExitedException NotStarted() => new(Message, started: false, FailureKinds.Find(Kind));
}
