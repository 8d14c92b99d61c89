using Orleans.Runtime;

namespace Pyfi.Grains.Security;

/// <summary>
/// Runs a grain call in the execution context a new thread starts with: no async-local values. Orleans keeps a
/// call's request context in an async local; while it holds anything (the network's mark, once checked), every
/// continuation a grain's awaits schedule on its activation captures that context, which costs an object per
/// await (measured: 2.2 KB a noop call, bench/README "allocs.sh"). A call whose request context holds nothing a
/// grain reads runs here instead; its own calls are marked again on their way out (<see cref="InternalCallMarker"/>).
/// </summary>
internal static class EmptyExecutionContext
{
    // The default context, captured on a thread started without the creator's: the API has no other way to name it.
    private static readonly ExecutionContext Empty = CaptureEmpty();

    /// <summary>Starts <paramref name="context"/>'s call with an empty request context and no other async locals.</summary>
    public static Task Invoke(IIncomingGrainCallContext context) => CallInContext.Start(Empty, context);

    private static ExecutionContext CaptureEmpty()
    {
        ExecutionContext? empty = null;
        var thread = new Thread(() => empty = ExecutionContext.Capture()) { IsBackground = true, Name = "pyfi-empty-context" };
        thread.UnsafeStart();
        thread.Join();
        return empty ?? throw new InvalidOperationException("a new thread had no execution context to capture");
    }
}
