using Orleans.Runtime;

namespace Pyfi.Grains.Security;

/// <summary>
/// Marks every call this silo makes, from a grain or not, as the network's own (see <see cref="ClusterKey"/>),
/// except calls to clients: a client must never learn the mark. The mark is set for the one call only (a filter's
/// change to the request context does not outlive it), and <see cref="ClientAccessFilter"/> removes it before the
/// callee runs, so it never flows on by itself.
/// </summary>
public sealed class InternalCallMarker(ClusterKey key) : IOutgoingGrainCallFilter
{
    /// <inheritdoc />
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Async on purpose: the request context is async-local, and an async method's changes end with it.
        if (key.Mark is { } mark && !context.TargetId.IsClient()) RequestContext.Set(ClusterKey.MarkKey, mark);
        else RequestContext.Remove(ClusterKey.MarkKey);
        await context.Invoke();
    }
}
