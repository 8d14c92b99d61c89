using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Client.Workflows;
using Pyfi.Grains.Security;
using Pyfi.Protocol;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// What each gateway-protocol operation does: it reads the arguments, calls the grains, and returns what
/// the operation answers. The protocol is documented in <see cref="GatewayOps"/>.
/// </summary>
/// <remarks>
/// The <c>pyfi</c> tool has no Orleans client, so this is where its operations ride through changes of the cluster:
/// every operation that may safely run twice (reads, waits, cancels, a submission under its idempotency key, a
/// workflow's start under the id chosen here) is retried through transient failures by <see cref="PyfiRetry"/>; a
/// change of a definition or a token is not (it may have been made), and a transient failure of one is answered
/// as <c>Unavailable</c>. Waits are <see cref="PyfiCall"/>'s and <see cref="PyfiFlow"/>'s, run here in the silo: the
/// tool gets one answer when the call or workflow ends, however long that is.
/// </remarks>
public sealed class GatewayOperations
{
    private readonly Dictionary<string, GatewayOperation> _operations;
    private readonly IGrainFactory _grains;
    private readonly ClusterOptions _cluster;
    private readonly AccessControl _access;
    private readonly PyfiRetry _retry;
    private readonly SocketRoutes _routes;
    private readonly RequestDefaults _defaults = new();

    /// <summary>Creates the dispatch table: each operation with the permission it needs and what it does, as a refusal names it.</summary>
    public GatewayOperations(IGrainFactory grains, IOptions<ClusterOptions> cluster, FlowWatcher flows, CallFollowWatcher follows, AccessControl access, TimeProvider time)
    {
        _grains = grains;
        _cluster = cluster.Value;
        _access = access;
        _retry = new PyfiRetry(PyfiRetry.DefaultPatience, time);
        _routes = new SocketRoutes(time);
        const PyfiPermission Read = PyfiPermission.Read, Submit = PyfiPermission.Submit, Operate = PyfiPermission.Operate,
            Develop = PyfiPermission.Develop, Administer = PyfiPermission.Administer;
        _operations = new(StringComparer.Ordinal)
        {
            [GatewayOps.Hello] = new(Read, "connect", (_, _) => HelloAsync()) { Retried = true },

            [GatewayOps.AddQueue] = new(Operate, "add queues", async (a, _) => await Registry.AddQueueAsync(Args<QueueSpec>(a))),
            [GatewayOps.UpdateQueue] = new(Operate, "change queues", async (a, _) => await Update<QueueUpdate, QueueInfo>(a, Registry.UpdateQueueAsync)),
            [GatewayOps.DeleteQueue] = new(Operate, "delete queues", async (a, _) => { await Registry.DeleteQueueAsync(Args<NameArgs>(a).Name); return null; }),
            [GatewayOps.GetQueue] = new(Read, "read queues", async (a, _) => await Registry.GetQueueAsync(Args<NameArgs>(a).Name)) { Retried = true },
            [GatewayOps.ListQueues] = new(Read, "list queues", async (_, _) => (await Registry.ListQueuesAsync()).ToArray()) { Retried = true },

            [GatewayOps.AddProcessor] = new(Develop, "add processors", async (a, _) => await Registry.AddProcessorAsync(Args<ProcessorSpec>(a))),
            [GatewayOps.UpdateProcessor] = new(Develop, "change processors", async (a, _) => await Update<ProcessorUpdate, ProcessorInfo>(a, Registry.UpdateProcessorAsync)),
            [GatewayOps.DeleteProcessor] = new(Develop, "delete processors", async (a, _) => { await Registry.DeleteProcessorAsync(Args<NameArgs>(a).Name); return null; }),
            [GatewayOps.GetProcessor] = new(Read, "read processors", async (a, _) => await Registry.GetProcessorAsync(Args<NameArgs>(a).Name)) { Retried = true },
            [GatewayOps.ListProcessors] = new(Read, "list processors", async (_, _) => (await Registry.ListProcessorsAsync()).ToArray()) { Retried = true },

            [GatewayOps.AddSocket] = new(Operate, "add sockets", async (a, _) => await Registry.AddSocketAsync(Args<SocketSpec>(a))),
            [GatewayOps.UpdateSocket] = new(Operate, "change sockets", async (a, _) => await Update<SocketUpdate, SocketInfo>(a, Registry.UpdateSocketAsync)),
            [GatewayOps.DeleteSocket] = new(Operate, "delete sockets", async (a, _) => { await Registry.DeleteSocketAsync(Args<NameArgs>(a).Name); return null; }),
            [GatewayOps.GetSocket] = new(Read, "read sockets", async (a, _) => await Registry.GetSocketAsync(Args<NameArgs>(a).Name)) { Retried = true },
            [GatewayOps.ListSockets] = new(Read, "list sockets", async (_, _) => (await Registry.ListSocketsAsync()).ToArray()) { Retried = true },
            [GatewayOps.AddPlug] = new(Operate, "add plugs", async (a, _) => await Registry.AddPlugAsync(Args<PlugSpec>(a))),
            [GatewayOps.UpdatePlug] = new(Operate, "change plugs", async (a, _) => await Update<PlugUpdate, PlugInfo>(a, Registry.UpdatePlugAsync)),
            [GatewayOps.DeletePlug] = new(Operate, "delete plugs", async (a, _) => { await Registry.DeletePlugAsync(Args<NameArgs>(a).Name); return null; }),
            [GatewayOps.GetPlug] = new(Read, "read plugs", async (a, _) => await Registry.GetPlugAsync(Args<NameArgs>(a).Name)) { Retried = true },
            [GatewayOps.ListPlugs] = new(Read, "list plugs", async (_, _) => (await Registry.ListPlugsAsync()).ToArray()) { Retried = true },
            [GatewayOps.AddSchedule] = new(Operate, "add schedules", async (a, _) => await Registry.AddScheduleAsync(Args<ScheduleSpec>(a))),
            [GatewayOps.UpdateSchedule] = new(Operate, "change schedules", async (a, _) => await Update<ScheduleUpdate, ScheduleInfo>(a, Registry.UpdateScheduleAsync)),
            [GatewayOps.DeleteSchedule] = new(Operate, "delete schedules", async (a, _) => { await Registry.DeleteScheduleAsync(Args<NameArgs>(a).Name); return null; }),
            [GatewayOps.GetSchedule] = new(Read, "read schedules", async (a, _) => await Registry.GetScheduleAsync(Args<NameArgs>(a).Name)) { Retried = true },
            [GatewayOps.ListSchedules] = new(Read, "list schedules", async (_, _) => (await Registry.ListSchedulesAsync()).ToArray()) { Retried = true },
            [GatewayOps.ApplyNetwork] = new(Read, "apply network files", async (a, _) =>
            {
                var apply = Args<ApplyNetworkArgs>(a);
                return await Registry.ApplyNetworkAsync(apply.Network ?? throw new InvalidSpecException("network.apply needs a network"), apply.Prune, apply.DryRun);
            }) { ChecksRole = true },
            [GatewayOps.ExportNetwork] = new(Read, "export the network", async (_, _) => await Registry.ExportNetworkAsync()) { Retried = true },

            [GatewayOps.RunTask] = new(Submit, "run calls", RunTaskAsync) { Waits = true },
            [GatewayOps.GetCall] = new(Read, "read calls", GetCallAsync) { Waits = true },
            [GatewayOps.CancelCall] = new(Operate, "cancel calls", async (a, c) => WithoutArguments(await Call(Args<CallArgs>(a).Id).CancelAsync(c))),
            [GatewayOps.ListCalls] = new(Read, "list calls", async (a, _) => await _grains.GetGrain<ICallListingGrain>(0).ListAsync(Args<CallQuery>(a))) { Retried = true },
            [GatewayOps.CallGraph] = new(Read, "read calls", CallGraphAsync) { Retried = true },
            [GatewayOps.FollowCalls] = new(Read, "follow calls", async (a, c) => await follows.NextAsync(Args<FollowArgs>(a), c)) { Retried = true, Waits = true },
            [GatewayOps.ListAgents] = new(Read, "read the cluster", async (_, _) => await _grains.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync()) { Retried = true },

            [GatewayOps.StartFlow] = new(Submit, "start workflows", StartFlowAsync),
            [GatewayOps.GetFlow] = new(Read, "read workflows", GetFlowAsync) { Waits = true },
            [GatewayOps.CancelFlow] = new(Operate, "cancel workflows", CancelFlowAsync),
            [GatewayOps.WatchFlow] = new(Read, "read workflows", async (a, c) => await flows.NextAsync(Args<FlowWatchArgs>(a), c)) { Retried = true, Waits = true },

            [GatewayOps.CreateToken] = new(Administer, "manage tokens", async (a, _) => await Access.CreateTokenAsync(Args<TokenRequest>(a))),
            [GatewayOps.ListTokens] = new(Administer, "manage tokens", async (_, _) => await Access.ListTokensAsync()) { Retried = true },
            [GatewayOps.RevokeToken] = new(Administer, "manage tokens", async (a, _) => await Access.RevokeTokenAsync(Args<NameArgs>(a).Name)),
        };
    }

    /// <summary>The operations and what each needs (for tests and documentation: the role matrix).</summary>
    public IReadOnlyDictionary<string, GatewayOperation> Operations => _operations;

    private IAccessGrain Access => _grains.GetGrain<IAccessGrain>(0);

    private IRegistryGrain Registry => _grains.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey);

    /// <summary>
    /// Runs <paramref name="op"/> for the holder of <paramref name="token"/>, whose request came from
    /// <paramref name="origin"/>. Throws <see cref="NotAuthenticatedException"/> or <see cref="NotAllowedException"/>
    /// (nothing is done), and <see cref="InvalidSpecException"/> for an unknown operation or malformed arguments.
    /// </summary>
    public async Task<object?> RunAsync(string op, JsonElement? args, string? token, string origin, CancellationToken cancellationToken)
    {
        if (!_operations.TryGetValue(op, out var operation))
        {
            // Only a caller the network knows learns which operations there are.
            await _access.AuthenticateAsync(token, cancellationToken);
            throw new InvalidSpecException($"unknown operation '{op}' (this silo speaks gateway protocol v{GatewayOps.ProtocolVersion})");
        }

        var caller = await _access.AuthorizeAsync(token, operation.Permission, operation.Action, origin, cancellationToken);
        // Grains record who changed tokens, and the registry checks an applied network's changes against the caller's
        // role; nothing else needs the caller, so other calls carry no more context.
        if (operation.Permission == PyfiPermission.Administer) RequestContext.Set(AccessContext.CallerKey, caller.Name);
        if (operation.ChecksRole) AccessContext.SetCaller(caller.Name, caller.Role);
        return operation.Retried
            ? await _retry.RunAsync(token => operation.Run(args, token), cancellationToken)
            : await operation.Run(args, cancellationToken);
    }

    /// <summary>Whether <paramref name="op"/> may wait long for what it answers (a call's or workflow's end, a workflow's next step).</summary>
    public bool Waits(string op) => _operations.TryGetValue(op, out var operation) && operation.Waits;

    private PyfiCall Call(Guid id) => new(_grains, id, _retry);

    private PyfiFlow Flow(Guid id) => new(_grains, id, _retry);

    private async Task<object?> RunTaskAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var run = Args<TaskRunArgs>(args);
        if (string.IsNullOrEmpty(run.Socket)) throw new InvalidSpecException("the socket name is empty");
        ModelRules.Name("socket", run.Socket);
        var request = new CallRequest
        {
            Socket = run.Socket,
            Args = CallArguments(run),
            Kwargs = CallKeywords(run),
            // Without a key of its own a submission gets one, so it can be sent again through a silo's loss.
            Key = run.Key ?? CallKey.New(),
            MaxAttempts = run.MaxAttempts,
            Timeout = run.Timeout,
        };
        // A short call is submitted and answered in one grain call; a longer one is waited for here, in the silo.
        var call = await PyfiCall.StartAsync(_grains, ModelRules.ValidateFromClient(request), run.Wait ? PyfiCall.Slice : TimeSpan.Zero, _retry, _routes, cancellationToken);
        return WithoutArguments(run.Wait ? await call.WaitAsync(cancellationToken: cancellationToken) : call.Last!);
    }

    // The caller sent the arguments (up to PYFI_MAX_PAYLOAD): echoing them would double every large submission, and
    // make a small request (call.get, call.cancel) answer with megabytes. Null is left out of the answer's JSON; a
    // reader of it gets the record's default.
    private static CallInfo WithoutArguments(CallInfo call) => call with { Args = null!, Kwargs = null };

    // No args is a call with no arguments (as a workflow file's call step without args); the socket grain checks depth and size.
    private static string CallArguments(TaskRunArgs run) => run.Args.ValueKind switch
    {
        JsonValueKind.Undefined => "[]",
        JsonValueKind.Array => run.Args.GetRawText(),
        _ => throw new InvalidSpecException("task.run's args must be a JSON array of positional arguments"),
    };

    private static string? CallKeywords(TaskRunArgs run) => run.Kwargs?.ValueKind switch
    {
        null or JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.Object => run.Kwargs.Value.GetRawText(),
        _ => throw new InvalidSpecException("task.run's kwargs must be a JSON object of keyword arguments"),
    };

    private async Task<object?> CallGraphAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var id = Args<CallArgs>(args).Id;
        CallInfo call;
        try
        {
            call = await _grains.GetGrain<ITaskCallGrain>(id).GetAsync();
        }
        catch (NotFoundException)
        {
            return await WorkflowGraphAsync(id);
        }

        if (call.Workflow is not { } workflow)
        {
            // A call outside a workflow: its run's calls, which plugs made one from another.
            var run = call.Run is { } id2 ? await _grains.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Run = id2, Limit = CallQuery.MaxLimit }) : [];
            return new CallGraph(call, null, run.Length == 0 ? [call] : run);
        }

        var flow = await _grains.GetGrain<IWorkflowGrain>(workflow).GetAsync();
        return new CallGraph(call, flow, await _grains.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(workflow));
    }

    // People find a workflow's id (flow run) before any of its calls': it draws the same graph, no call marked.
    private async Task<CallGraph> WorkflowGraphAsync(Guid id)
    {
        FlowInfo flow;
        try
        {
            flow = await _grains.GetGrain<IWorkflowGrain>(id).GetAsync();
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("call or workflow", id.ToString());
        }

        return new CallGraph(null, flow, await _grains.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(id));
    }

    // The id is chosen before the first try, so a start sent again finds the workflow the first one stored.
    private async Task<object?> StartFlowAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var graph = Args<FlowStep>(args);
        var grain = _grains.GetGrain<IWorkflowGrain>(Guid.NewGuid());
        return await _retry.RunAsync(token => grain.StartAsync(graph).WaitAsync(token), cancellationToken);
    }

    private async Task<object?> CancelFlowAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var cancel = Args<FlowArgs>(args);
        var flow = await Flow(cancel.Id).CancelAsync(cancellationToken);
        return cancel.Brief ? FlowSummary.Of(flow) : flow;
    }

    private async Task<object?> GetFlowAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var get = Args<FlowArgs>(args);
        var flow = Flow(get.Id);
        if (get.Brief) return get.Wait ? FlowSummary.Of(await flow.EndedAsync(cancellationToken: cancellationToken)) : await flow.SummaryAsync(cancellationToken);
        return get.Wait ? await flow.EndedAsync(cancellationToken: cancellationToken) : await flow.InfoAsync(cancellationToken);
    }

    private async Task<object?> GetCallAsync(JsonElement? args, CancellationToken cancellationToken)
    {
        var get = Args<CallArgs>(args);
        var handle = Call(get.Id);
        var call = get.Wait ? await handle.WaitAsync(cancellationToken: cancellationToken) : await handle.InfoAsync(cancellationToken);
        return get.WithArguments ? call : WithoutArguments(call);
    }

    private async Task<object?> HelloAsync()
    {
        var hosts = await _grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var gateways = hosts.Where(h => h.ProxyPort > 0).Select(h => $"{h.SiloAddress.Endpoint.Address}:{h.ProxyPort}").ToList();
        return new GatewayHello(PyfiVersion.Current, _cluster.ClusterId, _cluster.ServiceId, gateways);
    }

    private async Task<TInfo> Update<TUpdate, TInfo>(JsonElement? args, Func<string, TUpdate, Task<TInfo>> update)
    {
        var named = Args<NamedUpdate<TUpdate>>(args);
        return await update(named.Name, named.Update);
    }

    private T Args<T>(JsonElement? args)
    {
        if (args is not { ValueKind: JsonValueKind.Object } element) throw new InvalidSpecException("the request needs its arguments, a JSON object");
        try
        {
            return PyfiJson.Deserialize<T>(_defaults.Complete<T>(element)) ?? throw new InvalidSpecException("the request's arguments are empty");
        }
        catch (JsonException e)
        {
            throw new InvalidSpecException($"the request's arguments are malformed: {PyfiJson.Describe(e)}");
        }
    }
}

/// <summary>One gateway operation: the permission it needs, what it does (as a refusal says it), and how it runs.</summary>
/// <param name="Permission">What the caller's role must hold.</param>
/// <param name="Action">What it does: "role viewer cannot <c>add queues</c>".</param>
/// <param name="Run">Reads the arguments, calls the grains, returns the result.</param>
public sealed record GatewayOperation(PyfiPermission Permission, string Action, Func<JsonElement?, CancellationToken, Task<object?>> Run)
{
    /// <summary>Whether it is run again through transient failures as a whole (it only reads); operations that submit, wait or cancel retry their own steps.</summary>
    public bool Retried { get; init; }

    /// <summary>Whether it may wait long: while it runs the connection is watched, and a client that leaves cancels it.</summary>
    public bool Waits { get; init; }

    /// <summary>Whether the grain it calls checks the caller's role per change (see <see cref="ClientAccessAttribute.ChecksRole"/>): the role travels with the call.</summary>
    public bool ChecksRole { get; init; }
}
