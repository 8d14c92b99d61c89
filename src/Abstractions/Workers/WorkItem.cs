namespace Pyfi;

/// <summary>One attempt of one call, as a socket hands it to a worker slot.</summary>
/// <param name="Call">The call running at the attempt to start (its <see cref="CallInfo.Attempts"/>), with its function, arguments and lease.</param>
/// <param name="Deployment">The code to run it with.</param>
/// <param name="Timeout">Longest time the attempt may take (the call's own limit, or its socket's); the worker process is killed past it.</param>
[GenerateSerializer, Immutable, Alias("pyfi.WorkItem")]
public sealed record WorkItem(CallInfo Call, ProcessorDeployment Deployment, TimeSpan? Timeout);

/// <summary>How an attempt ended in the worker.</summary>
[GenerateSerializer]
public enum WorkOutcome
{
    /// <summary>The function returned a JSON-serialisable value.</summary>
    Succeeded,

    /// <summary>The function raised, or its result could not be serialised: the call's own fault.</summary>
    Failed,

    /// <summary>The Python process died during the attempt: retry on a fresh one.</summary>
    Crashed,

    /// <summary>The attempt ran past the socket's time limit; its process was killed.</summary>
    TimedOut,

    /// <summary>The code could not be made ready here (checkout, environment, import): not the call's fault.</summary>
    CannotStart,

    /// <summary>
    /// The attempt never began (it waited behind a call whose process died, was taken back because its silo is
    /// stopping, or found no process to start on during a stop): run it again, not counted.
    /// </summary>
    NotStarted,

    /// <summary>The attempt began but its silo stopped before it ended (past <c>PYFI_DRAIN</c>): run it again, not counted.</summary>
    Interrupted,
}

/// <summary>What a worker reports for one attempt.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Result">The return value (JSON text), when it succeeded.</param>
/// <param name="Error">The error, otherwise.</param>
/// <param name="Output">What the function printed to stdout and stderr.</param>
/// <param name="Worker">Which worker ran it (host, process id).</param>
/// <param name="Started">When the attempt started.</param>
/// <param name="Finished">When it ended.</param>
/// <param name="StartStored">
/// Whether the attempt's start is stored (the worker stores it when its process begins the attempt): <see langword="true"/>,
/// the row says running at this attempt; <see langword="false"/>, it still says queued at the attempt before (the
/// attempt never began, or ended so soon that its start was never written); <see langword="null"/>, unknown (the
/// database failed).
/// </param>
[GenerateSerializer, Immutable, Alias("pyfi.WorkResult")]
public sealed record WorkResult(WorkOutcome Outcome, string? Result, CallError? Error, string? Output, string Worker, DateTimeOffset Started, DateTimeOffset Finished, bool? StartStored = null);
