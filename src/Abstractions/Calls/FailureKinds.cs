namespace Pyfi;

/// <summary>
/// A kind of failure the network reports in a call's error (<see cref="CallError.Type"/>) when it is not the
/// function's own exception (whose type name is reported as it is). <see cref="Retried"/> says whether another
/// attempt may follow under the call's retry policy: a kind that says the code or its result is wrong is never
/// retried, since another attempt would end the same way.
/// </summary>
/// <param name="Name">The name in <see cref="CallError.Type"/>.</param>
/// <param name="Retried">Whether an attempt that failed this way is retried (when the policy has attempts left).</param>
/// <param name="Meaning">What it means, for a person.</param>
public sealed record FailureKind(string Name, bool Retried, string Meaning)
{
    /// <summary>A call's error of this kind, saying <paramref name="message"/>.</summary>
    public CallError Error(string message) => new(Name, message);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// Every <see cref="FailureKind"/>, in one list shared by the silo and its Python workers (<c>pyfi_worker.py</c> is
/// given the names it reports when it starts).
/// </summary>
public static class FailureKinds
{
    /// <summary>The silo or worker grain running the attempt went away, or the attempt's lease lapsed.</summary>
    public static readonly FailureKind WorkerLost = new("WorkerLost", true, "the silo running the attempt went away, or its lease lapsed");

    /// <summary>The worker process ended while it ran the call (killed, crashed, <c>os._exit</c>).</summary>
    public static readonly FailureKind WorkerDied = new("WorkerDied", true, "the worker process ended while it ran the call");

    /// <summary>The attempt ran past the call's time limit and its worker was killed.</summary>
    public static readonly FailureKind TimeLimitExceeded = new("TimeLimitExceeded", true, "the attempt ran past the call's time limit");

    /// <summary>The processor cannot run: its repository, commit, module or requirements could not be deployed.</summary>
    public static readonly FailureKind DeploymentFailed = new("DeploymentFailed", false, "the processor could not be deployed");

    /// <summary>The socket's function is not in the processor's module.</summary>
    public static readonly FailureKind FunctionNotFound = new("FunctionNotFound", false, "the function is not in the processor's module");

    /// <summary>The function returned something JSON cannot hold.</summary>
    public static readonly FailureKind ResultNotSerializable = new("ResultNotSerializable", false, "the result cannot be written as JSON");

    /// <summary>The call's result is larger than <c>PYFI_MAX_PAYLOAD</c> (said by the worker, or enforced by the silo while reading it).</summary>
    public static readonly FailureKind ResultTooLarge = new("ResultTooLarge", false, "the result is larger than PYFI_MAX_PAYLOAD");

    /// <summary>The call needed more memory than its worker's limit (the processor's <c>--memory</c>, else <c>PYFI_WORKER_MEMORY</c>).</summary>
    public static readonly FailureKind MemoryLimitExceeded = new("MemoryLimitExceeded", false, "the call needed more memory than its worker's limit");

    /// <summary>The worker wrote something on its protocol pipe that is not the reply to the call it was running; it was stopped.</summary>
    public static readonly FailureKind WorkerProtocolViolation = new("WorkerProtocolViolation", false, "the worker wrote on its protocol pipe what is not a reply");

    /// <summary>The call was cancelled.</summary>
    public static readonly FailureKind Cancelled = new("Cancelled", false, "the call was cancelled");

    /// <summary>The silo stopped before the attempt ended (a history entry only: the attempt is handed back and not counted).</summary>
    public static readonly FailureKind InterruptedByShutdown = new("InterruptedByShutdown", true, "the silo stopped before the attempt ended");

    /// <summary>The attempt never began: its silo was stopping (it is handed back and not counted).</summary>
    public static readonly FailureKind SiloStopping = new("SiloStopping", true, "the silo was stopping; the attempt never began");

    /// <summary>A join's run did not bring every argument position a value within the socket's join timeout (never retried: nothing ran).</summary>
    public static readonly FailureKind JoinTimeout = new("JoinTimeout", false, "a join's run did not bring every argument position a value in time");

    /// <summary>An attempt failed without saying why.</summary>
    public static readonly FailureKind Unknown = new("Unknown", true, "the attempt failed without saying why");

    /// <summary>Every kind.</summary>
    public static IReadOnlyList<FailureKind> All { get; } =
    [
        WorkerLost, WorkerDied, TimeLimitExceeded, DeploymentFailed, FunctionNotFound, ResultNotSerializable, ResultTooLarge,
        MemoryLimitExceeded, WorkerProtocolViolation, Cancelled, InterruptedByShutdown, SiloStopping, JoinTimeout, Unknown,
    ];

    private static readonly Dictionary<string, FailureKind> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The kind named <paramref name="type"/>; <see langword="null"/> for a function's own exception type.</summary>
    public static FailureKind? Find(string type) => ByName.GetValueOrDefault(type);

    /// <summary>Whether an attempt that failed with <paramref name="type"/> may be retried: a function's own exception is.</summary>
    public static bool IsRetried(string type) => Find(type)?.Retried ?? true;
}
