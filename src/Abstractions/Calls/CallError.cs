namespace Pyfi;

/// <summary>Why a call failed: the Python exception (or Pyfi's reason), its message, and the traceback.</summary>
/// <param name="Type">The Python exception type, e.g. <c>ValueError</c>; or a Pyfi reason such as <c>WorkerDied</c>, <c>DeploymentFailed</c>.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="Traceback">The Python traceback, when there is one.</param>
[GenerateSerializer, Immutable, Alias("pyfi.CallError")]
public sealed record CallError(string Type, string Message, string? Traceback = null)
{
    /// <summary>The error as one line: <c>Type: message</c>.</summary>
    public override string ToString() => string.IsNullOrEmpty(Message) ? Type : $"{Type}: {Message}";
}
