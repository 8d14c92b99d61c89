using Orleans.Runtime;

namespace Pyfi.Grains.Security;

/// <summary>
/// Marks every call this silo makes, from a grain or not, as the network's own (see <see cref="ClusterKey"/>),
/// except calls to clients: a client must never learn the mark. A grain runs a checked call without the mark in its
/// request context (<see cref="ClientAccessFilter"/>, <see cref="EmptyExecutionContext"/>), so the mark is set here
/// for the call being sent, in a copy of the caller's execution context that ends when the message is made (the
/// caller's own context, and its later awaits, stay without it). A call already carrying the mark (code that set
/// its request context itself) costs one lookup; a call to a client has it taken off for that call.
/// </summary>
public sealed class InternalCallMarker(ClusterKey key) : IOutgoingGrainCallFilter
{
    /// <inheritdoc />
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        var current = RequestContext.Get(ClusterKey.MarkKey);
        if (context.TargetId.IsClient()) return current is null && RequestContext.Get(AccessContext.TokenKey) is null ? context.Invoke() : WithoutMarkAsync(context);
        if (key.Mark is not { } mark || ReferenceEquals(current, mark)) return context.Invoke();

        // Orleans copies the request context into the message as it makes it; an await before that (in a filter after
        // this one) continues in the marked copy. Where flow is suppressed there is no context to copy: an async
        // method's change of it ends with the method.
        return ExecutionContext.Capture() is { } here ? CallInContext.Start(here, context, mark) : WithMarkAsync(context, mark);
    }

    private static async Task WithMarkAsync(IOutgoingGrainCallContext context, string mark)
    {
        RequestContext.Set(ClusterKey.MarkKey, mark);
        await context.Invoke();
    }

    // Nothing of the network's travels to a client: not the mark, not another client's token (a stream's events
    // carry the request context they were published in).
    private static async Task WithoutMarkAsync(IOutgoingGrainCallContext context)
    {
        RequestContext.Remove(ClusterKey.MarkKey);
        RequestContext.Remove(AccessContext.TokenKey);
        await context.Invoke();
    }
}
