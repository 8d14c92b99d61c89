namespace Pyfi.Grains.Python;

/// <summary>What a Python worker answered for one call.</summary>
/// <param name="Ok">Whether the function returned a serialisable value.</param>
/// <param name="Result">The value as JSON text.</param>
/// <param name="Error">The exception or reason, when not.</param>
/// <param name="Output">What the function printed.</param>
public sealed record PythonReply(bool Ok, string? Result, CallError? Error, string? Output);

/// <summary>The worker process ended while it held a call, or could not start.</summary>
/// <param name="message">What happened.</param>
/// <param name="started">Whether the process had begun the call (a call queued behind another had not).</param>
public sealed class PythonWorkerExitedException(string message, bool started = true) : Exception(message)
{
    /// <summary>Whether the process had begun the call: one that had not can run elsewhere without counting an attempt.</summary>
    public bool Started { get; } = started;
}
