using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Runtime;

namespace Pyfi.Grains.Security;

/// <summary>
/// Every call that reaches a grain or system target of this silo without the network's mark (see
/// <see cref="ClusterKey"/>) came from a client through Orleans' gateway, whatever sender it names. Such a call must
/// carry a valid token (<see cref="AccessContext.TokenKey"/>, set by the .NET client) and may reach only a method
/// marked <see cref="ClientAccessAttribute"/> whose permission the token's role holds, or one of the few Orleans
/// services a client needs to work (its view of the cluster's grain types, stream subscriptions). Anything else is
/// refused with <see cref="NotAllowedException"/> before it runs. An allowed call's request context is replaced by the
/// network's mark (and, for token changes, the caller's name, <see cref="AccessContext.CallerKey"/>; for methods that
/// check the role per change, its role too): the token and
/// whatever else the client put there travel no further.
/// </summary>
public sealed class ClientAccessFilter(ClusterKey key, AccessControl access) : IIncomingGrainCallFilter
{
    // Orleans services an Orleans client calls by itself: it fetches the cluster's manifest (grain types) from its
    // gateway, and subscribes to streams (a workflow's progress) through the pub-sub grain. Both need a valid token.
    private static readonly HashSet<string> OrleansServicesForClients = new(StringComparer.Ordinal)
    {
        "Orleans.Runtime.IClusterManifestSystemTarget",
        "Orleans.Streams.IPubSubRendezvousGrain",
    };

    // A grain timer's tick is a message from the runtime to the activation itself (never from the wire: its invoker
    // cannot be serialised), so it carries no mark.
    private static readonly GrainInterfaceType TimerTick = GrainInterfaceType.Create("Orleans.Runtime.IGrainTimerInvoker");

    private readonly ConcurrentDictionary<MethodInfo, ClientAccessAttribute?> _access = new();

    /// <inheritdoc />
    public Task Invoke(IIncomingGrainCallContext context)
    {
        // The network's own call (the mark flows on with its context), a timer's tick, a call on a client's object.
        if (key.IsOwn(RequestContext.Get(ClusterKey.MarkKey)) || context.TargetId.IsClient() || context.InterfaceType.Equals(TimerTick))
        {
            return context.Invoke();
        }

        return InvokeForClientAsync(context);
    }

    private async Task InvokeForClientAsync(IIncomingGrainCallContext context)
    {
        var token = RequestContext.Get(AccessContext.TokenKey) as string;
        var origin = new AccessOrigin("Orleans client", context.SourceId);
        var method = context.InterfaceMethod;
        PyfiPrincipal caller;
        ClientAccessAttribute? needed = null;
        if (method is null) throw new NotAllowedException("the call names no method");
        if ((needed = _access.GetOrAdd(method, m => m.GetCustomAttribute<ClientAccessAttribute>())) is not null)
        {
            caller = await access.AuthorizeAsync(token, needed.Permission, needed.Action, origin);
            if (context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is CallRequest request) ModelRules.ValidateFromClient(request);
        }
        else if (method.DeclaringType?.FullName is { } service && OrleansServicesForClients.Contains(service))
        {
            caller = await access.AuthorizeAsync(token, PyfiPermission.Read, "use Orleans' client services", origin);
        }
        else
        {
            // Known callers learn that the method is internal; others only that they are not authenticated.
            await access.DenyAsync(token, $"call {context.InterfaceName}.{context.MethodName}", "it is internal to the network; clients cannot call it", origin);
            return;
        }

        // Allowed: what the grain does for the call is the network's own (its calls carry the mark from here). Nothing
        // the client put in the request context goes further (not its token, not a value a grain of the network
        // reads, such as a placement's hosts); the caller's name only to grains that record who changed what (tokens).
        RequestContext.Clear();
        if (key.Mark is { } mark) RequestContext.Set(ClusterKey.MarkKey, mark);
        if (needed?.Permission == PyfiPermission.Administer) RequestContext.Set(AccessContext.CallerKey, caller.Name);
        // A method that checks the role per change (applying a network file) gets the role this silo checked the token for.
        if (needed?.ChecksRole == true) AccessContext.SetCaller(caller.Name, caller.Role);
        await context.Invoke();
    }
}
