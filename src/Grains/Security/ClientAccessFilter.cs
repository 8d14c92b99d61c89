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
/// refused with <see cref="NotAllowedException"/> before it runs. An allowed call runs with nothing of what the client
/// put in the request context (not its token, not a value a grain of the network reads); only methods that record
/// who changed what get the caller's name (<see cref="AccessContext.CallerKey"/>), and those that check the role per
/// change its role too. A call that holds nothing but the mark, once checked, runs without it
/// (<see cref="EmptyExecutionContext"/>): the calls the grain makes are marked on their way out
/// (<see cref="InternalCallMarker"/>).
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
        // The network's own call: without the mark when it carries nothing else (what else it carries, a grain reads).
        if (key.IsOwn(RequestContext.Get(ClusterKey.MarkKey)))
        {
            return RequestContext.Entries is IReadOnlyCollection<KeyValuePair<string, object>> { Count: 1 } ? EmptyExecutionContext.Invoke(context) : context.Invoke();
        }

        // A timer's tick, a call on a client's object.
        if (context.TargetId.IsClient() || context.InterfaceType.Equals(TimerTick)) return context.Invoke();
        return InvokeForClient(context);
    }

    // Checked without an async method while the token's row is cached (nearly always): the allowed call is then
    // started as the network's own, and its task returned.
    private Task InvokeForClient(IIncomingGrainCallContext context)
    {
        var token = RequestContext.Get(AccessContext.TokenKey) as string;
        var origin = new AccessOrigin("Orleans client", context.SourceId);
        var method = context.InterfaceMethod;
        if (method is null) return Task.FromException(new NotAllowedException("the call names no method"));
        ValueTask<PyfiPrincipal> check;
        ClientAccessAttribute? needed;
        if ((needed = _access.GetOrAdd(method, m => m.GetCustomAttribute<ClientAccessAttribute>())) is not null)
        {
            check = access.AuthorizeAsync(token, needed.Permission, needed.Action, origin);
        }
        else if (method.DeclaringType?.FullName is { } service && OrleansServicesForClients.Contains(service))
        {
            check = access.AuthorizeAsync(token, PyfiPermission.Read, "use Orleans' client services", origin);
        }
        else
        {
            // Known callers learn that the method is internal; others only that they are not authenticated.
            return access.DenyAsync(token, $"call {context.InterfaceName}.{context.MethodName}", "it is internal to the network; clients cannot call it", origin);
        }

        return check.IsCompletedSuccessfully ? InvokeAllowed(context, check.Result, needed) : InvokeWhenAllowedAsync(context, check, needed);
    }

    private async Task InvokeWhenAllowedAsync(IIncomingGrainCallContext context, ValueTask<PyfiPrincipal> check, ClientAccessAttribute? needed) =>
        await InvokeAllowed(context, await check, needed);

    // Allowed: what the grain does for the call is the network's own (its calls are marked on their way out). A
    // submission is looked at only once its caller is (a caller without a valid token learns only that).
    private Task InvokeAllowed(IIncomingGrainCallContext context, PyfiPrincipal caller, ClientAccessAttribute? needed)
    {
        try
        {
            if (needed is not null && context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is CallRequest request) ModelRules.ValidateFromClient(request);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }

        return needed?.Permission == PyfiPermission.Administer || needed?.ChecksRole == true
            ? InvokeWithCallerAsync(context, caller, needed)
            : EmptyExecutionContext.Invoke(context);
    }

    // Token changes record who made them; a method that checks the role per change (applying a network file) gets
    // the role this silo checked the token for.
    private async Task InvokeWithCallerAsync(IIncomingGrainCallContext context, PyfiPrincipal caller, ClientAccessAttribute needed)
    {
        RequestContext.Clear();
        if (key.Mark is { } mark) RequestContext.Set(ClusterKey.MarkKey, mark);
        if (needed.Permission == PyfiPermission.Administer) RequestContext.Set(AccessContext.CallerKey, caller.Name);
        if (needed.ChecksRole) AccessContext.SetCaller(caller.Name, caller.Role);
        await context.Invoke();
    }
}
