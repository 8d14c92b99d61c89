using Orleans.Runtime;

namespace Pyfi.Grains.Security;

/// <summary>
/// Marks every call this silo makes, from a grain or not, as the network's own (see <see cref="ClusterKey"/>),
/// except calls to clients: a client must never learn the mark. The mark flows with a call's request context like
/// any value: a grain running a marked call (or a client's call once it was allowed, see
/// <see cref="ClientAccessFilter"/>) already has it, so its calls cost one lookup here; code that has not (a timer,
/// a service of the silo) gets it set for the one call (a change an async method makes to the request context ends
/// with it), and a call to a client has it taken off for that call.
/// </summary>
public sealed class InternalCallMarker(ClusterKey key) : IOutgoingGrainCallFilter
{
    /// <inheritdoc />
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        var current = RequestContext.Get(ClusterKey.MarkKey);
        if (context.TargetId.IsClient()) return current is null && RequestContext.Get(AccessContext.TokenKey) is null ? context.Invoke() : WithoutMarkAsync(context);
        return key.Mark is { } mark && !ReferenceEquals(current, mark) ? WithMarkAsync(context, mark) : context.Invoke();
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
