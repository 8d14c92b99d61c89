using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Pyfi.Grains.Code;
using Pyfi.Grains.Schedules;
using Pyfi.Grains.Storage;
using Pyfi.Storage.Definitions;

namespace Pyfi.Grains.Registry;

// Long on purpose: the catalogue's API for its five kinds (queues, processors, sockets, plugs, schedules) is one list
// of short methods over one state, each checked against the whole catalogue and committed through one CommitAsync;
// the rules themselves live apart (NetworkPlanner, PlugGraph, RegistryState), and a file per kind would split
// the one state they all read and write.
/// <summary>
/// The network's catalogue (see <see cref="IRegistryGrain"/>). Every change is validated against the whole
/// catalogue, committed by one transaction of <see cref="DefinitionStore"/> writing the definitions it touches
/// (the commit point), then pushed to the grain that owns the definition. A push that fails is retried by a timer
/// and again on the next activation, so the owning grains converge on what the registry committed. The whole
/// catalogue is read into memory when the registry activates; reads are served from there.
/// </summary>
public sealed partial class RegistryGrain(
    DefinitionStore store,
    RepositoryPolicy repositories,
    TimeProvider time,
    ILogger<RegistryGrain> logger) : Grain, IRegistryGrain
{
    private static readonly TimeSpan SyncRetryPeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StatusWait = TimeSpan.FromSeconds(5);

    // Deployments are runtime facts the processors report again when they activate; not persisted.
    private readonly Dictionary<string, ProcessorDeployment> _deployments = new(StringComparer.Ordinal);
    private IGrainTimer? _syncRetry;

    // The catalogue as committed, and the store's version of it (what the next commit expects).
    private RegistryState _current = new();
    private long _version;

    // Where builds before PyfiDefinitions kept the whole catalogue: one grain state row (Orleans' ADO.NET storage).
    private const string LegacyStateName = "registry";

    private RegistryState Current => _current;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await store.LoadAsync(cancellationToken) is { } stored)
        {
            _current = RegistryRows.ToState(stored);
            _version = stored.Version;
        }
        else
        {
            await CarryOverLegacyAsync();
        }

        foreach (var key in Current.Unsynced.ToArray())
        {
            await SyncAsync(key);
        }

        // Processors deploy their code (or report the deployment they kept) as the network comes up.
        foreach (var processor in Current.Processors.Keys) GrainFactory.GetGrain<IProcessorGrain>(processor).WakeAsync().Ignore();
    }

    /// <inheritdoc />
    public async Task<QueueInfo> AddQueueAsync(QueueSpec spec)
    {
        ModelRules.Validate(spec);
        if (Current.Queues.ContainsKey(spec.Name)) throw new AlreadyExistsException(ModelKind.Queue, spec.Name);
        await CommitAsync(ModelKind.Queue, spec.Name, next => next.Queues[spec.Name] = new(spec, NextStamp(next, null)));
        return QueueInfo(spec.Name);
    }

    /// <inheritdoc />
    public async Task<QueueInfo> UpdateQueueAsync(string name, QueueUpdate update)
    {
        var current = FindQueue(name);
        var spec = ModelRules.Validate(update.ApplyTo(current.Spec));
        if (spec != current.Spec)
        {
            await CommitAsync(ModelKind.Queue, name, next => next.Queues[name] = new(spec, NextStamp(next, current.Stamp)));
        }

        return QueueInfo(name);
    }

    /// <inheritdoc />
    public async Task DeleteQueueAsync(string name)
    {
        FindQueue(name);
        var users = SocketsWhere(s => s.Queue == name);
        if (users.Length > 0) throw new InUseException(ModelKind.Queue, name, users);
        await CommitAsync(ModelKind.Queue, name, next => next.Queues.Remove(name));
    }

    /// <inheritdoc />
    public Task<QueueInfo> GetQueueAsync(string name)
    {
        FindQueue(name);
        return Task.FromResult(QueueInfo(name));
    }

    /// <inheritdoc />
    public Task<ImmutableArray<QueueInfo>> ListQueuesAsync()
    {
        var sockets = SocketsBy(s => s.Queue);
        return Task.FromResult(Current.Queues.Values
            .OrderBy(d => d.Spec.Name, StringComparer.Ordinal)
            .Select(d => new QueueInfo(d.Spec, d.Stamp, sockets[d.Spec.Name].ToImmutableArray()))
            .ToImmutableArray());
    }

    /// <inheritdoc />
    public async Task<ProcessorInfo> AddProcessorAsync(ProcessorSpec spec)
    {
        ModelRules.Validate(spec);
        AllowRepository(spec.Repository);
        if (Current.Processors.ContainsKey(spec.Name)) throw new AlreadyExistsException(ModelKind.Processor, spec.Name);
        await CommitAsync(ModelKind.Processor, spec.Name, next => next.Processors[spec.Name] = new(spec, NextStamp(next, null)));
        return ProcessorInfo(spec.Name);
    }

    /// <inheritdoc />
    public async Task<ProcessorInfo> UpdateProcessorAsync(string name, ProcessorUpdate update)
    {
        var current = FindProcessor(name);
        var spec = ModelRules.Validate(update.ApplyTo(current.Spec));
        if (update.Repository is not null) AllowRepository(spec.Repository);
        if (spec.Runtime != current.Spec.Runtime)
        {
            // Its sockets' functions must still name functions of the new runtime.
            foreach (var socket in Current.Sockets.Values.Where(s => s.Spec.Processor == name)) ModelRules.Function($"socket '{socket.Spec.Name}'", spec.Runtime, socket.Spec.Function);
        }

        if (spec != current.Spec)
        {
            await CommitAsync(ModelKind.Processor, name, next => next.Processors[name] = new(spec, NextStamp(next, current.Stamp)));
        }

        return ProcessorInfo(name);
    }

    /// <inheritdoc />
    public async Task DeleteProcessorAsync(string name)
    {
        FindProcessor(name);
        var users = SocketsWhere(s => s.Processor == name);
        if (users.Length > 0) throw new InUseException(ModelKind.Processor, name, users);
        await CommitAsync(ModelKind.Processor, name, next => next.Processors.Remove(name));
        _deployments.Remove(name);
    }

    /// <inheritdoc />
    public Task<ProcessorInfo> GetProcessorAsync(string name)
    {
        FindProcessor(name);
        return Task.FromResult(ProcessorInfo(name));
    }

    /// <inheritdoc />
    public Task<ImmutableArray<ProcessorInfo>> ListProcessorsAsync()
    {
        var sockets = SocketsBy(s => s.Processor);
        return Task.FromResult(Current.Processors.Values
            .OrderBy(d => d.Spec.Name, StringComparer.Ordinal)
            .Select(d => ProcessorInfo(d, sockets[d.Spec.Name].ToImmutableArray()))
            .ToImmutableArray());
    }

    /// <inheritdoc />
    public Task ReportDeploymentAsync(ProcessorDeployment deployment)
    {
        // A report for an older definition than the one committed says nothing about the current one.
        if (Current.Processors.TryGetValue(deployment.Processor, out var definition) && deployment.Revision == definition.Stamp.Revision)
        {
            _deployments[deployment.Processor] = deployment;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<SocketInfo> AddSocketAsync(SocketSpec spec)
    {
        ModelRules.Validate(spec);
        if (Current.Sockets.ContainsKey(spec.Name)) throw new AlreadyExistsException(ModelKind.Socket, spec.Name);
        CheckReferences(spec);
        await CommitAsync(ModelKind.Socket, spec.Name, next => next.Sockets[spec.Name] = new(spec, NextStamp(next, null)));
        return SocketInfo(spec.Name);
    }

    /// <inheritdoc />
    public async Task<SocketInfo> UpdateSocketAsync(string name, SocketUpdate update)
    {
        var current = FindSocket(name);
        var spec = ModelRules.Validate(current.Spec, update.ApplyTo(current.Spec));
        CheckReferences(spec);
        if (spec != current.Spec)
        {
            await CommitAsync(ModelKind.Socket, name, next => next.Sockets[name] = new(spec, NextStamp(next, current.Stamp)));
        }

        return SocketInfo(name);
    }

    /// <inheritdoc />
    public async Task DeleteSocketAsync(string name)
    {
        FindSocket(name);
        var plugs = Current.Plugs.Values.Select(d => d.Spec).Where(p => p.Source == name || p.Target == name)
            .Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        if (plugs.Length > 0) throw new InUseException(ModelKind.Socket, name, plugs, ModelKind.Plug);
        var schedules = Current.Schedules.Values.Select(d => d.Spec).Where(s => s.Socket == name).Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
        if (schedules.Length > 0) throw new InUseException(ModelKind.Socket, name, schedules, ModelKind.Schedule);
        await CommitAsync(ModelKind.Socket, name, next => next.Sockets.Remove(name));
    }

    /// <inheritdoc />
    public async Task<PlugInfo> AddPlugAsync(PlugSpec spec)
    {
        ModelRules.Validate(spec);
        if (Current.Plugs.ContainsKey(spec.Name)) throw new AlreadyExistsException(ModelKind.Plug, spec.Name);
        CheckReferences(spec);
        await CommitAsync(PlugSetsTouchedBy(spec), spec.Name, next => next.Plugs[spec.Name] = new(spec, NextStamp(next, null)));
        return PlugInfo(spec.Name);
    }

    /// <inheritdoc />
    public async Task<PlugInfo> UpdatePlugAsync(string name, PlugUpdate update)
    {
        var current = FindPlug(name);
        var spec = ModelRules.Validate(update.ApplyTo(current.Spec));
        CheckReferences(spec);
        if (spec != current.Spec)
        {
            await CommitAsync(PlugSetsTouchedBy(current.Spec, spec), name, next => next.Plugs[name] = new(spec, NextStamp(next, current.Stamp)));
        }

        return PlugInfo(name);
    }

    /// <inheritdoc />
    public async Task DeletePlugAsync(string name)
    {
        var current = FindPlug(name);
        await CommitAsync(PlugSetsTouchedBy(current.Spec), name, next =>
        {
            next.Plugs.Remove(name);
            next.Revision++; // the source's plug set changes: a new revision for its push
        });
    }

    /// <inheritdoc />
    public Task<PlugInfo> GetPlugAsync(string name) => Task.FromResult(PlugInfo(FindPlug(name).Spec.Name));

    /// <inheritdoc />
    public Task<ImmutableArray<PlugInfo>> ListPlugsAsync() =>
        Task.FromResult(Current.Plugs.Values
            .OrderBy(d => d.Spec.Name, StringComparer.Ordinal)
            .Select(d => new PlugInfo(d.Spec, d.Stamp))
            .ToImmutableArray());

    /// <inheritdoc />
    public async Task<ScheduleInfo> AddScheduleAsync(ScheduleSpec spec)
    {
        CheckSchedule(spec);
        if (Current.Schedules.ContainsKey(spec.Name)) throw new AlreadyExistsException(ModelKind.Schedule, spec.Name);
        await CommitAsync(ModelKind.Schedule, spec.Name, next => next.Schedules[spec.Name] = new(spec, NextStamp(next, null)));
        return await ScheduleInfoAsync(Current.Schedules[spec.Name]);
    }

    /// <inheritdoc />
    public async Task<ScheduleInfo> UpdateScheduleAsync(string name, ScheduleUpdate update)
    {
        var current = FindSchedule(name);
        var spec = update.ApplyTo(current.Spec);
        CheckSchedule(spec);
        if (spec != current.Spec)
        {
            await CommitAsync(ModelKind.Schedule, name, next => next.Schedules[name] = new(spec, NextStamp(next, current.Stamp)));
        }

        return await ScheduleInfoAsync(Current.Schedules[name]);
    }

    /// <inheritdoc />
    public async Task DeleteScheduleAsync(string name)
    {
        FindSchedule(name);
        await CommitAsync(ModelKind.Schedule, name, next => next.Schedules.Remove(name));
    }

    /// <inheritdoc />
    public Task<ScheduleInfo> GetScheduleAsync(string name) => ScheduleInfoAsync(FindSchedule(name));

    /// <inheritdoc />
    public async Task<ImmutableArray<ScheduleInfo>> ListSchedulesAsync() =>
        [.. await Task.WhenAll(Current.Schedules.Values.OrderBy(d => d.Spec.Name, StringComparer.Ordinal).Select(ScheduleInfoAsync))];

    /// <inheritdoc />
    public Task WakeSchedulesAsync()
    {
        foreach (var name in Current.Schedules.Keys) GrainFactory.GetGrain<IScheduleGrain>(name).WakeAsync().Ignore();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<NetworkPlan> ApplyNetworkAsync(NetworkSpec network, bool prune, bool dryRun)
    {
        if (network is null) throw new InvalidSpecException("a network to apply is required");
        var caller = AccessContext.CallerName ?? "?";
        // Set by the silo that checked the caller's token (ClientAccessAttribute.ChecksRole); a call without it is refused.
        var role = AccessContext.CallerRole ?? throw new NotAllowedException("the call does not carry the caller's role");
        var plan = NetworkPlanner.Plan(Current, network, prune, repository => repositories.Allows(repository) ? null : repositories.Refusal(repository));
        try
        {
            NetworkPlanner.Authorize(plan, role);
        }
        catch (NotAllowedException e)
        {
            LogApplyRefused(caller, e.Message);
            throw;
        }

        if (plan.Refused || dryRun || plan.Changes.IsEmpty) return plan;
        var before = Current;
        await CommitAsync(NetworkPlanner.Pushes(plan, before, Planned(network, plan)), "network", next =>
            NetworkPlanner.Commit(next, network, plan, previous => NextStamp(next, previous)), what: "the network file's changes");
        LogApplied(caller, plan.Changes.Length, Current.Revision);
        return plan with { Applied = true, Revision = Current.Revision };
    }

    /// <inheritdoc />
    public Task<NetworkSpec> ExportNetworkAsync() => Task.FromResult(NetworkPlanner.Export(Current));

    // The state the plan makes, to see which plug sets it changes (stamps do not matter there).
    private RegistryState Planned(NetworkSpec network, NetworkPlan plan)
    {
        var next = Current.Clone();
        NetworkPlanner.Commit(next, network, plan, previous => previous ?? new ModelStamp(0, default, default));
        return next;
    }

    /// <inheritdoc />
    public async Task<SocketInfo> GetSocketAsync(string name)
    {
        var spec = FindSocket(name).Spec;
        // Where its partitions are, as the silos last reported their active sockets to the ledger.
        var agents = await GrainFactory.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync();
        var active = agents.SelectMany(a => a.Sockets.Where(s => s.Active).Select(s => (Key: s.Socket, a.Silo, s.Queued, s.InFlight)))
            .GroupBy(s => s.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        // Auto: as many as have been active (partition 0 at least).
        var count = spec.Partitions != SocketSpec.AutoPartitions ? spec.Partitions
            : 1 + active.Keys.Select(SocketPartitions.Parse).Where(k => k.Socket == name).Select(k => k.Partition).DefaultIfEmpty(0).Max();
        var partitions = Enumerable.Range(0, count).Select(p =>
            active.TryGetValue(SocketPartitions.Key(name, p), out var at)
                ? new SocketPartitionInfo(p, at.Silo, at.Queued, at.InFlight)
                : new SocketPartitionInfo(p, null, 0, 0));
        return SocketInfo(name) with { Partitions = [.. partitions] };
    }

    /// <inheritdoc />
    public Task<ImmutableArray<SocketInfo>> ListSocketsAsync() =>
        Task.FromResult(Current.Sockets.Values
            .OrderBy(d => d.Spec.Name, StringComparer.Ordinal)
            .Select(d => new SocketInfo(d.Spec, d.Stamp))
            .ToImmutableArray());

    private Definition<QueueSpec> FindQueue(string name) =>
        Current.Queues.GetValueOrDefault(ModelRules.Name(ModelKind.Queue, name)) ?? throw new NotFoundException(ModelKind.Queue, name);

    private Definition<ProcessorSpec> FindProcessor(string name) =>
        Current.Processors.GetValueOrDefault(ModelRules.Name(ModelKind.Processor, name)) ?? throw new NotFoundException(ModelKind.Processor, name);

    private Definition<PlugSpec> FindPlug(string name) =>
        Current.Plugs.GetValueOrDefault(ModelRules.Name(ModelKind.Plug, name)) ?? throw new NotFoundException(ModelKind.Plug, name);

    private Definition<ScheduleSpec> FindSchedule(string name) =>
        Current.Schedules.GetValueOrDefault(ModelRules.Name(ModelKind.Schedule, name)) ?? throw new NotFoundException(ModelKind.Schedule, name);

    // A schedule's fields, its times as a silo reads them, and its socket.
    private void CheckSchedule(ScheduleSpec spec)
    {
        ModelRules.Validate(spec);
        ScheduleTimes.Of(spec);
        if (!Current.Sockets.ContainsKey(spec.Socket)) throw new NotFoundException(ModelKind.Socket, spec.Socket);
    }

    // With where the schedule is; a schedule whose grain cannot be asked now is listed without.
    private async Task<ScheduleInfo> ScheduleInfoAsync(Definition<ScheduleSpec> d)
    {
        ScheduleStatus? status = null;
        try
        {
            status = await GrainFactory.GetGrain<IScheduleGrain>(d.Spec.Name).GetStatusAsync().WaitAsync(StatusWait);
        }
        catch (Exception e) when (e is not PyfiException)
        {
            LogStatusFailed(e, d.Spec.Name);
        }

        return new(d.Spec, d.Stamp, status);
    }

    private Definition<SocketSpec> FindSocket(string name) =>
        Current.Sockets.GetValueOrDefault(ModelRules.Name(ModelKind.Socket, name)) ?? throw new NotFoundException(ModelKind.Socket, name);

    // PYFI_REPOS: a processor may only come from the repositories this network allows.
    private void AllowRepository(string repository)
    {
        if (!repositories.Allows(repository)) throw new InvalidSpecException(repositories.Refusal(repository));
    }

    private void CheckReferences(SocketSpec spec)
    {
        if (!Current.Queues.ContainsKey(spec.Queue)) throw new NotFoundException(ModelKind.Queue, spec.Queue);
        if (!Current.Processors.TryGetValue(spec.Processor, out var processor)) throw new NotFoundException(ModelKind.Processor, spec.Processor);
        ModelRules.Function($"socket '{spec.Name}'", processor.Spec.Runtime, spec.Function);
    }

    private void CheckReferences(PlugSpec spec)
    {
        if (!Current.Sockets.ContainsKey(spec.Source)) throw new NotFoundException(ModelKind.Socket, spec.Source);
        if (!Current.Sockets.ContainsKey(spec.Target)) throw new NotFoundException(ModelKind.Socket, spec.Target);
        PlugGraph.CheckCycles(Current.Plugs.Values.Select(d => d.Spec), spec);
    }

    private PlugInfo PlugInfo(string name)
    {
        var d = Current.Plugs[name];
        return new(d.Spec, d.Stamp);
    }

    // The plugs leaving a socket, as of the registry's revision now, with the positions of each of their targets
    // that is a join.
    private PlugSet PlugsOf(string socket)
    {
        var all = Current.Plugs.Values.Select(d => d.Spec).ToList();
        var leaving = all.Where(p => p.Source == socket).OrderBy(p => p.Name, StringComparer.Ordinal).ToImmutableArray();
        var joins = leaving.Select(p => p.Target).Distinct(StringComparer.Ordinal)
            .Select(target => (target, positions: all.Where(p => p.Target == target).Select(p => p.Arg).Distinct().Order().ToImmutableArray()))
            .Where(t => t.positions.Length > 1)
            .ToImmutableDictionary(t => t.target, t => t.positions, StringComparer.Ordinal);
        return new(Current.Revision, leaving) { Joins = joins };
    }

    // The plug sets a change of plugs `changed` (before and after) may change: their sources', and those of every
    // plug into their targets (whether a target is a join, and its positions, is in each source's set).
    private string[] PlugSetsTouchedBy(params PlugSpec[] changed)
    {
        var targets = changed.Select(p => p.Target).ToHashSet(StringComparer.Ordinal);
        return [.. changed.Select(p => p.Source)
            .Concat(Current.Plugs.Values.Select(d => d.Spec).Where(p => targets.Contains(p.Target)).Select(p => p.Source))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(source => ModelKind.Key(ModelKind.PlugsOf, source))];
    }

    private string[] SocketsWhere(Func<SocketSpec, bool> predicate) =>
        Current.Sockets.Values.Select(d => d.Spec).Where(predicate).Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();

    private ILookup<string, string> SocketsBy(Func<SocketSpec, string> key) =>
        Current.Sockets.Values.Select(d => d.Spec).OrderBy(s => s.Name, StringComparer.Ordinal).ToLookup(key, s => s.Name, StringComparer.Ordinal);


    private QueueInfo QueueInfo(string name)
    {
        var d = Current.Queues[name];
        return new(d.Spec, d.Stamp, [.. SocketsWhere(s => s.Queue == name)]);
    }

    private ProcessorInfo ProcessorInfo(string name) =>
        ProcessorInfo(Current.Processors[name], [.. SocketsWhere(s => s.Processor == name)]);

    private ProcessorInfo ProcessorInfo(Definition<ProcessorSpec> d, ImmutableArray<string> sockets)
    {
        var deployment = _deployments.GetValueOrDefault(d.Spec.Name) is { } reported && reported.Revision == d.Stamp.Revision ? reported : null;
        return new(d.Spec, d.Stamp, deployment?.Status ?? ProcessorStatus.Deploying, sockets, deployment?.Commit, deployment?.Error);
    }

    private SocketInfo SocketInfo(string name)
    {
        var d = Current.Sockets[name];
        return new(d.Spec, d.Stamp);
    }

    private ModelStamp NextStamp(RegistryState next, ModelStamp? previous)
    {
        // To the microsecond, as PostgreSQL keeps it, so a stamp reads back after a restart as it was given.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        return new ModelStamp(++next.Revision, previous?.Created ?? now, now);
    }

    /// <summary>
    /// An older build's catalogue (one grain state row, rewritten whole on every change) moved into the store in one
    /// commit, then its row deleted; nothing when there is none (a new network). Once the store has the registry's
    /// row this is never looked at again.
    /// </summary>
    private async Task CarryOverLegacyAsync()
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Model);
        var legacy = new GrainState<RegistryState>(new RegistryState());
        await storage.ReadStateAsync(LegacyStateName, this.GetGrainId(), legacy);
        if (!legacy.RecordExists || legacy.State is null) return;
        var carried = legacy.State.Clone();
        _version = await store.CommitAsync(0, RegistryRows.All(carried));
        _current = carried;
        LogCarriedOver(carried.Queues.Count + carried.Processors.Count + carried.Sockets.Count + carried.Plugs.Count + carried.Schedules.Count, carried.Revision);
        try
        {
            await storage.ClearStateAsync(LegacyStateName, this.GetGrainId(), legacy);
        }
        catch (Exception e)
        {
            // Harmless: the store has the catalogue now, and the old row is never read again.
            LogLegacyNotCleared(e);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to a copy of the state and writes the definitions it changes. The write
    /// is the commit: if it fails, the state stays as stored and the caller gets <see cref="StorageUnavailableException"/>;
    /// if it succeeds, the definition is pushed to its grain.
    /// </summary>
    private Task CommitAsync(string kind, string name, Action<RegistryState> change) =>
        CommitAsync([ModelKind.Key(kind, name)], name, change, kind);

    // The same for a change whose pushes are `keys` (a plug's: the plug sets of the sockets it leaves).
    private async Task CommitAsync(string[] keys, string name, Action<RegistryState> change, string kind = ModelKind.Plug, string? what = null)
    {
        var key = keys[0];
        var previous = Current;
        var next = previous.Clone();
        change(next);
        next.Unsynced.UnionWith(keys);
        _current = next;
        try
        {
            _version = await store.CommitAsync(_version, RegistryRows.Diff(previous, next));
        }
        catch (Exception e)
        {
            _current = previous;
            // Read what is stored before the next change: the write may have landed after all.
            DeactivateOnIdle();
            LogCommitFailed(e, key);
            throw new StorageUnavailableException($"could not save {what ?? $"{kind} '{name}'"}: {Reason(e)}");
        }

        foreach (var pushed in keys) await SyncAsync(pushed);
    }

    /// <summary>Pushes the registry's current view of one definition to the grain that owns it.</summary>
    private async Task SyncAsync(string key)
    {
        var (kind, name) = ModelKind.Parse(key);
        try
        {
            var push = kind switch
            {
                ModelKind.Queue => Push(GrainFactory.GetGrain<IQueueGrain>(name), Current.Queues.GetValueOrDefault(name)),
                ModelKind.Processor => Push(GrainFactory.GetGrain<IProcessorGrain>(name), Current.Processors.GetValueOrDefault(name)),
                ModelKind.Socket => Push(GrainFactory.GetGrain<ISocketGrain>(name), Current.Sockets.GetValueOrDefault(name)),
                ModelKind.Schedule => Push(GrainFactory.GetGrain<IScheduleGrain>(name), Current.Schedules.GetValueOrDefault(name)),
                ModelKind.PlugsOf when Current.Sockets.ContainsKey(name) => GrainFactory.GetGrain<ISocketGrain>(name).ApplyPlugsAsync(PlugsOf(name)),
                _ => Task.CompletedTask,
            };
            await push;
            Current.Unsynced.Remove(key);
        }
        catch (Exception e)
        {
            LogSyncFailed(e, key);
            _syncRetry ??= this.RegisterGrainTimer(RetrySyncAsync, SyncRetryPeriod, SyncRetryPeriod);
        }
    }

    private static Task Push<TSpec>(IDefinitionOwner<TSpec> owner, Definition<TSpec>? definition) where TSpec : class =>
        definition is null ? owner.RemoveAsync() : owner.ApplyAsync(definition);

    private async Task RetrySyncAsync(CancellationToken cancellationToken)
    {
        foreach (var key in Current.Unsynced.ToArray())
        {
            await SyncAsync(key);
        }

        if (Current.Unsynced.Count == 0)
        {
            _syncRetry?.Dispose();
            _syncRetry = null;
        }
    }

    private static string Reason(Exception e) => (PyfiException.Find(e) ?? e) switch
    {
        StorageUnavailableException unavailable => unavailable.Message,
        InconsistentStateException or DefinitionConflictException => "it was changed elsewhere at the same time; try again",
        _ => $"the database refused it ({e.Message.Split('\n')[0].Trim()})",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Carried the registry's catalogue ({Definitions} definitions, revision {Revision}) over from its old one-row state into PyfiDefinitions")]
    private partial void LogCarriedOver(int definitions, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Carried the registry's catalogue over, but could not delete its old one-row state (it is not read again)")]
    private partial void LogLegacyNotCleared(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not commit change to {Key}")]
    private partial void LogCommitFailed(Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask schedule {Schedule} where it is")]
    private partial void LogStatusFailed(Exception exception, string schedule);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied a network file for token '{Caller}': {Changes} changes, revision {Revision}")]
    private partial void LogApplied(string caller, int changes, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused to apply a network file for token '{Caller}': {Reason}")]
    private partial void LogApplyRefused(string caller, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not push {Key} to its grain; retrying")]
    private partial void LogSyncFailed(Exception exception, string key);
}
