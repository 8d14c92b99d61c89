namespace Pyfi.Grains.Runtimes;

/// <summary>How to start one worker process: it speaks the worker protocol (see <c>pyfi_worker.py</c>) on its stdin and stdout.</summary>
/// <param name="Program">The executable.</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="WorkingDirectory">Where it runs: the checkout.</param>
/// <param name="LoadFailure">What is said when the worker fails before its greeting: <c>module 'a.b' cannot be imported</c>.</param>
public sealed record WorkerLaunch(string Program, IReadOnlyList<string> Arguments, string WorkingDirectory, string LoadFailure)
{
    /// <summary>
    /// What a line of the worker's stderr holds when the runtime ran out of its memory limit and ended itself (V8:
    /// <c>JavaScript heap out of memory</c>): the call it ran then fails as MemoryLimitExceeded, not as a worker that
    /// died. <see langword="null"/> when the runtime reports its memory errors itself (pyfi_worker.py: MemoryError).
    /// </summary>
    public string? OutOfMemoryLine { get; init; }
}
