namespace Pyfi.Protocol;

/// <summary>
/// The operations of the gateway protocol, and the shape of each one's arguments and result. Every request carries
/// a token (<see cref="GatewayRequest.Token"/>) whose role must allow the operation (see <c>docs/security.md</c>).
/// </summary>
public static class GatewayOps
{
    /// <summary>The protocol version this build speaks.</summary>
    public const int ProtocolVersion = 1;

    /// <summary>No arguments → <see cref="GatewayHello"/>.</summary>
    public const string Hello = "hello";

    /// <summary><see cref="QueueSpec"/> → <see cref="QueueInfo"/>.</summary>
    public const string AddQueue = "queue.add";

    /// <summary><see cref="NamedUpdate{T}"/> of <see cref="QueueUpdate"/> → <see cref="QueueInfo"/>.</summary>
    public const string UpdateQueue = "queue.update";

    /// <summary><see cref="NameArgs"/> → nothing.</summary>
    public const string DeleteQueue = "queue.delete";

    /// <summary><see cref="NameArgs"/> → <see cref="QueueInfo"/>.</summary>
    public const string GetQueue = "queue.get";

    /// <summary>No arguments → <see cref="QueueInfo"/>[].</summary>
    public const string ListQueues = "queue.list";

    /// <summary><see cref="ProcessorSpec"/> → <see cref="ProcessorInfo"/>.</summary>
    public const string AddProcessor = "processor.add";

    /// <summary><see cref="NamedUpdate{T}"/> of <see cref="ProcessorUpdate"/> → <see cref="ProcessorInfo"/>.</summary>
    public const string UpdateProcessor = "processor.update";

    /// <summary><see cref="NameArgs"/> → nothing.</summary>
    public const string DeleteProcessor = "processor.delete";

    /// <summary><see cref="NameArgs"/> → <see cref="ProcessorInfo"/>.</summary>
    public const string GetProcessor = "processor.get";

    /// <summary>No arguments → <see cref="ProcessorInfo"/>[].</summary>
    public const string ListProcessors = "processor.list";

    /// <summary><see cref="SocketSpec"/> → <see cref="SocketInfo"/>.</summary>
    public const string AddSocket = "socket.add";

    /// <summary><see cref="NamedUpdate{T}"/> of <see cref="SocketUpdate"/> → <see cref="SocketInfo"/>.</summary>
    public const string UpdateSocket = "socket.update";

    /// <summary><see cref="NameArgs"/> → nothing.</summary>
    public const string DeleteSocket = "socket.delete";

    /// <summary><see cref="NameArgs"/> → <see cref="SocketInfo"/>.</summary>
    public const string GetSocket = "socket.get";

    /// <summary>No arguments → <see cref="SocketInfo"/>[].</summary>
    public const string ListSockets = "socket.list";

    /// <summary><see cref="PlugSpec"/> → <see cref="PlugInfo"/>.</summary>
    public const string AddPlug = "plug.add";

    /// <summary><see cref="NamedUpdate{T}"/> of <see cref="PlugUpdate"/> → <see cref="PlugInfo"/>.</summary>
    public const string UpdatePlug = "plug.update";

    /// <summary><see cref="NameArgs"/> → nothing.</summary>
    public const string DeletePlug = "plug.delete";

    /// <summary><see cref="NameArgs"/> → <see cref="PlugInfo"/>.</summary>
    public const string GetPlug = "plug.get";

    /// <summary>No arguments → <see cref="PlugInfo"/>[].</summary>
    public const string ListPlugs = "plug.list";

    /// <summary><see cref="ScheduleSpec"/> → <see cref="ScheduleInfo"/>.</summary>
    public const string AddSchedule = "schedule.add";

    /// <summary><see cref="NamedUpdate{T}"/> of <see cref="ScheduleUpdate"/> → <see cref="ScheduleInfo"/> (pause and resume too).</summary>
    public const string UpdateSchedule = "schedule.update";

    /// <summary><see cref="NameArgs"/> → nothing.</summary>
    public const string DeleteSchedule = "schedule.delete";

    /// <summary><see cref="NameArgs"/> → <see cref="ScheduleInfo"/>.</summary>
    public const string GetSchedule = "schedule.get";

    /// <summary>No arguments → <see cref="ScheduleInfo"/>[].</summary>
    public const string ListSchedules = "schedule.list";
    /// <summary>
    /// <see cref="ApplyNetworkArgs"/> → <see cref="NetworkPlan"/>: the network made what the file declares (or, with
    /// <see cref="ApplyNetworkArgs.DryRun"/>, what would be done), or every problem with the file and nothing done.
    /// </summary>
    public const string ApplyNetwork = "network.apply";

    /// <summary>No arguments → <see cref="NetworkSpec"/>: every definition.</summary>
    public const string ExportNetwork = "network.export";

    /// <summary><see cref="TaskRunArgs"/> → <see cref="CallInfo"/>: accepted, stored, and (unless told not to wait) ended; without its arguments, which the caller sent.</summary>
    public const string RunTask = "task.run";

    /// <summary>
    /// <see cref="CallArgs"/> → <see cref="CallInfo"/> as it is now (or, with <see cref="CallArgs.Wait"/>, once it ended); with its
    /// arguments only if <see cref="CallArgs.WithArguments"/> asks for them.
    /// </summary>
    public const string GetCall = "call.get";

    /// <summary><see cref="CallArgs"/> → <see cref="CallInfo"/>, cancelled (without its arguments).</summary>
    public const string CancelCall = "call.cancel";

    /// <summary><see cref="CallQuery"/> → <see cref="CallInfo"/>[], newest first.</summary>
    public const string ListCalls = "call.list";

    /// <summary>
    /// <see cref="CallArgs"/> → <see cref="CallGraph"/>: the call, and its workflow's graph and calls if it is a step of
    /// one; or, for a workflow's id, that workflow's graph and calls (no call).
    /// </summary>
    public const string CallGraph = "call.graph";

    /// <summary>No arguments → <see cref="AgentInfo"/>[]: every active silo as it last reported itself, with its workers.</summary>
    public const string ListAgents = "cluster.agents";

    /// <summary><see cref="FlowStep"/> → <see cref="FlowInfo"/>: the workflow stored and started (a new id).</summary>
    public const string StartFlow = "flow.start";

    /// <summary><see cref="FlowArgs"/> → <see cref="FlowInfo"/> as it is now (or, with <see cref="FlowArgs.Wait"/>, once it ended).</summary>
    public const string GetFlow = "flow.get";

    /// <summary><see cref="FlowArgs"/> → <see cref="FlowInfo"/>, cancelled.</summary>
    public const string CancelFlow = "flow.cancel";

    /// <summary>
    /// <see cref="FlowWatchArgs"/> → <see cref="FlowProgress"/>: the workflow's progress once it differs from what
    /// the caller has seen (pushed to the gateway on the workflow's stream), or as it is after 20 s.
    /// </summary>
    public const string WatchFlow = "flow.watch";

    /// <summary>
    /// <see cref="FollowArgs"/> → <see cref="FollowPage"/>: the socket's or run's calls that ended after the cursor (a
    /// long poll: answered once some have, or empty after 20 s); with no cursor, at once, an empty page whose cursor is
    /// now (or <c>NotFound</c>).
    /// </summary>
    public const string FollowCalls = "call.follow";

    /// <summary><see cref="TokenRequest"/> → <see cref="NewToken"/>: the token, shown this once.</summary>
    public const string CreateToken = "token.create";

    /// <summary>No arguments → <see cref="TokenInfo"/>[]: every token, revoked ones included, never a secret.</summary>
    public const string ListTokens = "token.list";

    /// <summary>
    /// Whether a request may be sent again when its answer was lost (the connection broke, the silo stopped): it
    /// only reads, waits or cancels, or it is a call's submission under an idempotency key (sent again, it finds
    /// the first call). Changes of definitions and tokens, and a workflow's start, are not.
    /// </summary>
    public static bool IsRepeatable(string op, object? args) => op switch
    {
        Hello or GetQueue or ListQueues or GetProcessor or ListProcessors or GetSocket or ListSockets
            or GetPlug or ListPlugs or GetSchedule or ListSchedules or ExportNetwork or GetCall or CancelCall or ListCalls or CallGraph or ListAgents or GetFlow or CancelFlow or WatchFlow or FollowCalls or ListTokens => true,
        RunTask => args is TaskRunArgs { Key: not null },
        _ => false,
    };

    /// <summary><see cref="NameArgs"/> → <see cref="TokenInfo"/>, revoked.</summary>
    public const string RevokeToken = "token.revoke";
}

/// <summary>Arguments naming one workflow.</summary>
/// <param name="Id">The workflow's id.</param>
/// <param name="Wait">Whether to answer only once it has ended.</param>
/// <param name="Brief">Whether to answer with a <see cref="FlowSummary"/> (no graph, no steps) instead of a <see cref="FlowInfo"/>.</param>
public sealed record FlowArgs(Guid Id, bool Wait = false, bool Brief = false);

/// <summary>Arguments of <see cref="GatewayOps.WatchFlow"/>: the workflow, and the progress the caller has seen.</summary>
/// <param name="Id">The workflow's id.</param>
/// <param name="Done">Steps done the caller has seen.</param>
/// <param name="State">The state the caller has seen.</param>
public sealed record FlowWatchArgs(Guid Id, int Done, FlowState State);

/// <summary>Arguments of <see cref="GatewayOps.FollowCalls"/>: one socket or one run, and the cursor of the last page.</summary>
/// <param name="Socket">The socket whose ended calls are followed.</param>
/// <param name="Run">The run whose ended calls are followed.</param>
/// <param name="After">The last page's cursor (or a call's position); none for a first request.</param>
/// <param name="Limit">Most calls in the answer (1 to <see cref="FollowPage.MaxCalls"/>).</param>
public sealed record FollowArgs(string? Socket = null, Guid? Run = null, long? After = null, int Limit = FollowPage.MaxCalls)
{
    /// <summary>What is followed; throws <see cref="InvalidSpecException"/> unless it is one socket or one run.</summary>
    public FollowTarget ToTarget() => new FollowTarget(Socket, Run).Validated();
}

/// <summary>A call and the calls around it (<c>pyfi ls call -g/-t</c>).</summary>
/// <param name="Call">The call asked for; <see langword="null"/> when a workflow's id was asked for.</param>
/// <param name="Flow">Its workflow, if it is a step of one (or the workflow asked for).</param>
/// <param name="Calls">Every call of that workflow (oldest first), or only the call itself.</param>
public sealed record CallGraph(CallInfo? Call, FlowInfo? Flow, CallInfo[] Calls);

/// <summary>Arguments of <see cref="GatewayOps.RunTask"/>.</summary>
/// <param name="Socket">The socket to call.</param>
/// <param name="Args">Positional arguments: a JSON array (missing: none), nested at most <see cref="PyfiLimits.MaxDepth"/> levels.</param>
/// <param name="Kwargs">Keyword arguments: a JSON object (nested at most <see cref="PyfiLimits.MaxDepth"/> levels), or nothing.</param>
/// <param name="Wait">Whether to answer only once the call has ended.</param>
/// <param name="Key">An idempotency key: a repeated submission with it is the same call.</param>
/// <param name="MaxAttempts">This call's attempts in all, instead of the socket's.</param>
/// <param name="Timeout">This call's per-attempt time limit, instead of the socket's.</param>
public sealed record TaskRunArgs(
    string Socket,
    System.Text.Json.JsonElement Args,
    System.Text.Json.JsonElement? Kwargs = null,
    bool Wait = true,
    string? Key = null,
    int? MaxAttempts = null,
    TimeSpan? Timeout = null);

/// <summary>Arguments naming one call.</summary>
/// <param name="Id">The call's id.</param>
/// <param name="Wait">Whether to answer only once the call has ended.</param>
/// <param name="WithArguments">Whether <see cref="GatewayOps.GetCall"/> answers with the call's arguments (<c>pyfi ls call</c> shows them; a result does not need them).</param>
public sealed record CallArgs(Guid Id, bool Wait = false, bool WithArguments = false);

/// <summary>Arguments of <see cref="GatewayOps.ApplyNetwork"/>.</summary>
/// <param name="Network">Every definition the file declares.</param>
/// <param name="Prune">Whether to delete what the network has and the file lacks.</param>
/// <param name="DryRun">Whether only to say what would be done.</param>
public sealed record ApplyNetworkArgs(NetworkSpec? Network, bool Prune = false, bool DryRun = false);

/// <summary>Arguments naming one definition.</summary>
/// <param name="Name">Its name.</param>
public sealed record NameArgs(string Name);

/// <summary>Arguments of an update: which definition, and the change.</summary>
/// <typeparam name="T">The update record.</typeparam>
/// <param name="Name">The definition's name.</param>
/// <param name="Update">The change.</param>
public sealed record NamedUpdate<T>(string Name, T Update);
