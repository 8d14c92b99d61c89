namespace Pyfi.Grains.Python;

/// <summary>What a Python worker answered for one call.</summary>
/// <param name="Ok">Whether the function returned a serialisable value.</param>
/// <param name="Result">The value as JSON text.</param>
/// <param name="Error">The exception or reason, when not.</param>
/// <param name="Output">What the function printed.</param>
public sealed record PythonReply(bool Ok, string? Result, CallError? Error, string? Output);

/// <summary>The worker process ended while it held a call, or could not start.</summary>
public sealed class PythonWorkerExitedException(string message) : Exception(message);
