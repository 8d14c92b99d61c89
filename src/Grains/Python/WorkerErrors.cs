namespace Pyfi.Grains.Python;

/// <summary>The error kinds (<see cref="CallError.Type"/>) a Python worker's failures are reported as, when they are not the function's own exception.</summary>
public static class WorkerErrors
{
    /// <summary>The worker process ended while it ran the call (killed, crashed, <c>os._exit</c>).</summary>
    public const string Died = "WorkerDied";

    /// <summary>The worker wrote something on its protocol pipe that is not the reply to the call it was running; it was stopped.</summary>
    public const string ProtocolViolation = "WorkerProtocolViolation";

    /// <summary>The call's result is larger than <c>PYFI_MAX_PAYLOAD</c> (said by the worker, or enforced by the silo while reading it).</summary>
    public const string ResultTooLarge = "ResultTooLarge";

    /// <summary>The call needed more memory than its worker's limit (the processor's <c>--memory</c>, else <c>PYFI_WORKER_MEMORY</c>); said by the worker.</summary>
    public const string MemoryLimitExceeded = "MemoryLimitExceeded";
}
