using Microsoft.Extensions.Options;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Pyfi.Grains.Calls;
using Pyfi.Grains.Model;
using Pyfi.Grains.Placement;
using Pyfi.Grains.Storage;
using Pyfi.Grains.Telemetry;
using Pyfi.Grains.Workers;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Sockets;

// Long on purpose: what stays here shares one activation's state and turn-based scheduling (the API, the timers,
// the processor's deployment wait, storing every change of the calls and reading rows back); what stands alone is
// in HeldCalls (admission), QueuePager (the queue past its window, kept in SQL) and SlotDispatcher (slots), and
// the rules of a call's life are CallTransitions.
/// <summary>
/// One socket (see <see cref="ISocketGrain"/>): it accepts calls (each stored in SQL before it is
/// acknowledged), holds every call of its own that has not ended, and runs each on one of its worker slots
/// (<c>socket#0</c> … <c>socket#c-1</c>), which the per-core director places where a core is free. It
/// stores every change of its calls: accepted, running (attempt, lease, owner), ended or queued again,
/// cancelled, lost; the worker renews a long attempt's lease. Every change is a guarded transition (see
/// <see cref="CallTransitions"/>), so a call ends once however many parties think they own it.
/// </summary>
[Reentrant]
[SocketPlacement]
public sealed partial class SocketGrain(
    [PersistentState("socket", StorageNames.Model)] IPersistentState<SocketState> state,
    CallStore calls,
    PyfiMetrics metrics,
    IOptions<PyfiRuntimeOptions> settings,
    SiloDrain drain,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<SocketGrain> logger)
    : DefinitionGrain<SocketSpec, SocketState>(state), ISocketGrain
{
    private readonly PyfiRuntimeOptions _options = settings.Value;

    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);

    // How soon a call whose row could not be read or written is looked at again, at first and at most.
    private static readonly TimeSpan FirstRecheck = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastRecheck = TimeSpan.FromSeconds(10);

    // Every call of this socket not ended, from accepted (or found in SQL) until its end is known here.
    private readonly HeldCalls _held = new();

    // The queue beyond what memory holds: a window of it here, the rest read a page at a time from SQL.
    private QueuePager? _pagerOrNull;
    private bool _resumed;
    private IGrainTimer? _refillRetry;
    private readonly SlotDispatcher _slots = new();
    private ProcessorDeployment? _deployment;
    private Task? _fetchingDeployment;

    // While the processor deploys, its push says when it is done; this asks again in case a push was lost.
    private IGrainTimer? _deploymentRecheck;
    private static readonly TimeSpan DeploymentRecheck = TimeSpan.FromSeconds(5);
    private IGrainTimer? _slotRetry;
    private IGrainTimer? _wakeUp;
    private DateTimeOffset _wakeUpAt = DateTimeOffset.MaxValue;
    private IGrainTimer? _keepAlive;
    private SocketTally? _tally;

    // Read once: the key is kept as UTF-8, so each read would make the string again.
    private string Name => _name ??= this.GetPrimaryKeyString();

    private string? _name;

    // This silo's address as attempts record it.
    private string? _siloName;

    private QueuePager Pager => _pagerOrNull ??= new QueuePager(_held);

    // This socket's counts on this silo (metrics, pyfi top).
    private SocketTally Tally => _tally ??= metrics.For(Name);

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Active here from now (a socket made by the registry's push is activated before its definition arrives).
        Tally.Active = true;
        await TakeDefinitionAsync();
        if (Definition is not { } definition) return;
        _slots.Resize(SlotCount(definition.Spec));
        _removedPartitions = Math.Max(_removedPartitions, Partitions);
        WatchSilos();
        LogActivated(silo.SiloAddress);
        // Calls accepted before this activation (a restart, a silo lost) and not ended are taken up again.
        await ResumeAsync();
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Its queue is no longer here: this silo stops reporting one.
        Volatile.Write(ref Tally.Queued, 0);
        Volatile.Write(ref Tally.InFlight, 0);
        Tally.Active = false;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <inheritdoc />
    public async Task ResumeAsync()
    {
        if (Definition is null) return;
        var adopted = 0;
        // Running calls (as many as slots, at most) first: one whose attempt is lost is queued again ahead of the
        // backlog, where reading the backlog in order put it before.
        var running = await calls.ListAsync(Name, [CallState.Running], int.MaxValue);
        foreach (var call in running)
        {
            if (_held.Contains(call.Id)) continue;
            await AdoptAsync(call);
            adopted++;
        }

        if (!_resumed && !Pager.Paging)
        {
            // The queued calls stay in SQL: a count and the last one's place, then the first page (not the backlog:
            // that is what kept a restart behind a long queue from being ready). Calls held already (an attempt
            // just lost, queued again) are skipped when a page reaches them.
            _resumed = true;
            var open = await calls.CountOpenAsync(Name);
            Pager.Start(open - running.Count, await calls.LastQueuedAsync(Name));
            await RefillAsync(pump: false);
            adopted += (int)Math.Min(open - running.Count, int.MaxValue);
        }
        else
        {
            _resumed = true;
            adopted += await TakeUpStraysAsync();
        }

        if (adopted > 0) LogTakenUp(adopted);

        Pump();
    }

    // Queued rows up to where the window has read that are not held (nothing should be: a call stranded by a failure
    // nobody saw) are taken up, last in the queue; past that, rows are in SQL only or held.
    private async Task<int> TakeUpStraysAsync()
    {
        if (Pager.Paging && Pager.ReadThrough is null) return 0;
        var through = Pager.Paging ? Pager.ReadThrough : null;
        var taken = 0;
        QueueKey? after = null;
        for (var pages = 0; pages < 64; pages++)
        {
            var rows = await calls.ListQueuedAsync(Name, after, QueuePager.Window);
            foreach (var row in rows)
            {
                var key = QueueKey.Of(row);
                if (through is { } last && key > last) return taken;
                after = key;
                if (_held.Contains(row.Id) || Pager.IsInSql(key)) continue;
                await AdoptAsync(row);
                taken++;
            }

            if (rows.Count < QueuePager.Window) break;
        }

        return taken;
    }

    // Reads pages of the queue from SQL into the window while it is low; a failed read is tried again shortly.
    private async Task RefillAsync(bool pump = true)
    {
        try
        {
            await Pager.RefillAsync((after, limit) => calls.ListQueuedAsync(Name, after, limit), Place);
        }
        catch (Exception e)
        {
            LogPageFailed(e);
            _refillRetry ??= this.RegisterGrainTimer(() =>
            {
                _refillRetry?.Dispose();
                _refillRetry = null;
                Pump();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions(FirstRecheck, Timeout.InfiniteTimeSpan) { Interleave = true });
            return;
        }

        if (pump) Pump();
    }

    // A call read from a page of the queue: queued in the window in order, or put aside until its backoff ends.
    private void Place(HeldCall held)
    {
        KeepAlive();
        if (held.Call.NotBefore is { } notBefore && notBefore > time.GetUtcNow()) Later(held, notBefore);
        else _held.Enqueue(held);
    }

    // A stored call not held, to wait for: one kept in SQL only is held for its waiters alone (it keeps its place
    // there); any other is taken up.
    private async Task<HeldCall?> HoldStoredAsync(CallInfo stored)
    {
        if (stored.State == CallState.Queued && Pager.IsInSql(QueueKey.Of(stored))) return HoldForWaiters(stored);
        return await AdoptAsync(stored);
    }

    private HeldCall HoldForWaiters(CallInfo call)
    {
        if (_held.TryGet(call.Id, out var known)) return known;
        var held = _held.Hold(call, queue: false);
        held.Waiting = true;
        return held;
    }

    /// <inheritdoc />
    public async Task<CallInfo> RunAsync(CallRequest request, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var spec = Definition?.Spec ?? throw new NotFoundException("socket", SocketName);
        if (PartitionFor(request) is { } partition) return await partition.RunAsync(request, wait, cancellationToken);
        CheckRequest(request);
        if (request.Key is { } key && _held.TryGetByKey(key, out var known)) return await WaitForEndAsync(known, wait, cancellationToken);
        _held.EnsureRoom(SocketName, QueueBound(spec), Pager.InSql);
        var call = NewCall(request, spec);

        if (!await calls.InsertAsync(call))
        {
            // The key was used before: that submission is this one.
            var first = await calls.FindByKeyAsync(SocketName, request.Key!) ?? throw new StorageUnavailableException($"call with key '{request.Key}' could not be read back");
            if (first.State.IsFinal()) return first;
            // Stored by another partition (sent there before the socket grew): that one holds it.
            if (HolderOf(first.Id) is { } holder) return await holder.WaitCallAsync(first.Id, wait, cancellationToken) ?? first;
            var adopted = _held.TryGet(first.Id, out var held) ? held : await HoldStoredAsync(first);
            Pump();
            return adopted is null ? (await calls.ReadAsync(first.Id))! : await WaitForEndAsync(adopted, wait, cancellationToken);
        }

        metrics.Submitted(Tally);
        // Held in the window, or (the window full, or calls waiting behind it) kept in SQL only, to be paged in.
        var accepted = Pager.Admit(call);
        KeepAlive();
        Pump();
        if (accepted is null)
        {
            if (wait <= TimeSpan.Zero) return call;
            accepted = HoldForWaiters(call);
        }

        return await WaitForEndAsync(accepted, wait, cancellationToken);
    }

    /// <inheritdoc />
    public Task<CallInfo?> GetCallAsync(Guid id) =>
        HolderOf(id) is { } partition ? partition.GetCallAsync(id) : Task.FromResult(_held.TryGet(id, out var held) ? held.Call : null);

    /// <inheritdoc />
    public async Task<CallInfo?> WaitCallAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (HolderOf(id) is { } partition) return await partition.WaitCallAsync(id, timeout, cancellationToken);
        if (!_held.TryGet(id, out var held))
        {
            // Not held: ended, or not this socket's, or not yet taken up by this activation.
            if (await calls.ReadAsync(id) is not { } stored || SocketPartitions.KeyOf(stored) != Name) return null;
            if (stored.State.IsFinal()) return stored;
            held = _held.TryGet(id, out var now) ? now : await HoldStoredAsync(stored);
            Pump();
            if (held is null) return await calls.ReadAsync(id);
        }

        return await WaitForEndAsync(held, timeout, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<CallInfo> CancelAsync(Guid id)
    {
        if (HolderOf(id) is { } partition) return await partition.CancelAsync(id);
        for (var tries = 0; ; tries++)
        {
            var stored = await calls.ReadAsync(id);
            if (stored is null || SocketPartitions.KeyOf(stored) != Name) throw new NotFoundException("call", id.ToString());
            if (stored.State == CallState.Cancelled) return stored;
            if (stored.State.IsFinal()) throw new CallEndedException(id, stored.State);
            var change = CallTransitions.Cancelled(stored, time.GetUtcNow());
            var cancelled = change.Next;
            if (await calls.TransitionAsync(change))
            {
                metrics.Ended(Tally, CallState.Cancelled);
                if ((!_held.TryGet(id, out var held) || held.Waiting) && stored.State == CallState.Queued && Pager.IsInSql(QueueKey.Of(stored))) Pager.LeftSql();
                if (held is not null)
                {
                    _held.Unqueue(held);
                    if (held.Slot is { } slot) GrainFactory.GetGrain<IWorkerGrain>(WorkerKey.Of(Name, slot)).CancelAsync(id).Ignore();
                    End(held, cancelled);
                }

                // A running attempt on a slot this activation did not start learns of it when its lease renewal is refused.
                return cancelled;
            }

            // The row moved on meanwhile (an attempt started or ended): look again.
            if (tries >= 10) throw new StorageUnavailableException($"call {id} kept changing while it was being cancelled");
        }
    }

    /// <inheritdoc />
    public async Task<CallInfo> RecordFailureAsync(CallRequest request, CallError error)
    {
        var spec = Definition?.Spec ?? throw new NotFoundException("socket", SocketName);
        if (PartitionFor(request) is { } partition) return await partition.RecordFailureAsync(request, error);
        CheckRequest(request);
        var now = time.GetUtcNow();
        var call = NewCall(request, spec) with { State = CallState.Failed, Error = error, Finished = now };
        // An end like any other: the failure plugs carry it, stored in the same insert.
        call = call with { Deliveries = Plugs.SocketPlugs.DeliveriesFor(PlugsOut, call) };
        if (!await calls.InsertAsync(call))
        {
            return await calls.FindByKeyAsync(SocketName, request.Key!) ?? throw new StorageUnavailableException($"call with key '{request.Key}' could not be read back");
        }

        metrics.Submitted(Tally);
        metrics.Ended(Tally, CallState.Failed);
        if (!call.Deliveries.IsEmpty) GrainFactory.GetGrain<IPlugDeliveryGrain>(Name).DeliverAsync(call).Ignore();
        return call;
    }

    // A new call of this socket from a request: its own id, and its run (its own, unless a plug made it).
    private CallInfo NewCall(CallRequest request, SocketSpec spec)
    {
        var id = Partitions > 1 ? SocketPartitions.NewId(Partition) : Guid.NewGuid();
        return new CallInfo
        {
            Id = id,
            Socket = SocketName,
            Processor = spec.Processor,
            Function = spec.Function,
            Args = request.Args,
            Kwargs = request.Kwargs,
            Created = Pager.NextCreated(time.GetUtcNow()),
            Parent = request.Parent,
            Workflow = request.Workflow,
            Key = request.Key,
            // Only a call's own policy and limit are kept with it; otherwise the socket's apply as they are then.
            Retry = request.Retry,
            Timeout = request.Timeout,
            MaxAttempts = request.MaxAttempts,
            Run = request.Run ?? id,
            Hop = request.Hop,
        };
    }

    /// <inheritdoc />
    public async Task ApplyPlugsAsync(PlugSet plugs)
    {
        if (State.State.Plugs is { } current && current.Revision >= plugs.Revision) return;
        State.State.Plugs = plugs;
        await WriteStateAsync();
        await ShareWithPartitionsAsync(Partitions, partition => partition.ApplyPlugsAsync(plugs));
    }

    private PlugSet PlugsOut => State.State.Plugs ?? PlugSet.Empty;

    /// <inheritdoc />
    public Task DeploymentChangedAsync(ProcessorDeployment deployment)
    {
        if (Definition?.Spec.Processor == deployment.Processor && deployment.Revision >= (_deployment?.Revision ?? 0))
        {
            _deployment = deployment;
            Pump();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task OnDefinitionChangedAsync(Definition<SocketSpec>? previous, Definition<SocketSpec> current)
    {
        if (previous?.Spec.Processor != current.Spec.Processor) _deployment = null;
        _slots.Resize(SlotCount(current.Spec));
        Pump();
        WatchSilos();
        await ShareWithPartitionsAsync(Partitions, partition => partition.ApplyAsync(current));
    }

    /// <inheritdoc />
    protected override Task OnRemovedAsync() =>
        ShareWithPartitionsAsync(_removedPartitions, partition => partition.RemoveAsync());

    // Takes up a call found not ended in storage: queued (at once, or after its backoff), or running — on a
    // live silo under a live lease it is left to finish and looked at again when the lease would lapse; with
    // its silo gone or its lease lapsed the attempt is lost and the call queued again (or failed, with no
    // attempts left). Returns null when the call turned out to have ended.
    private async Task<HeldCall?> AdoptAsync(CallInfo stored)
    {
        var held = _held.Hold(stored, queue: false);
        KeepAlive();
        await ApplyStoredAsync(held, stored);
        return _held.Contains(stored.Id) ? held : null;
    }

    // Acts on the call as storage has it.
    private async Task ApplyStoredAsync(HeldCall held, CallInfo stored)
    {
        held.Call = stored;
        held.Recheck = TimeSpan.Zero;
        var now = time.GetUtcNow();
        switch (stored.State)
        {
            case var final when final.IsFinal():
                End(held, stored);
                return;
            case CallState.Queued when stored.NotBefore is { } notBefore && notBefore > now:
                Later(held, notBefore);
                return;
            case CallState.Queued:
                Pager.TakeBack(held);
                return;
        }

        // Running, but not on a slot of this activation.
        var lapsed = stored.LeaseUntil is not { } lease || lease <= now;
        var ownerGone = !IsAlive(stored.Owner);
        if (!lapsed && !ownerGone)
        {
            Later(held, stored.LeaseUntil!.Value + TimeSpan.FromMilliseconds(100));
            return;
        }

        var why = FailureKinds.WorkerLost.Error(ownerGone
            ? $"the silo running attempt {stored.Attempts} ({stored.Owner}) is gone"
            : $"attempt {stored.Attempts}'s lease lapsed at {stored.LeaseUntil:O}");
        LogAttemptLost(stored.Id, stored.Attempts, why.Message);
        await StoreAndApplyAsync(held, CallTransitions.Lost(stored, why, Policy(stored), now));
    }

    // Stores a change under its guard and acts on the result; a refused change (the row moved on) or a failed one
    // (the database) is sorted out by reading the row again. An end carries the calls this socket's plugs are to make
    // (stored in the same write), and once stored they are handed to the socket's deliveries.
    private async Task StoreAndApplyAsync(HeldCall held, CallChange change)
    {
        if (change.Next.State.IsFinal() && !change.AlreadyStored && change.Next.Deliveries.IsEmpty
            && Plugs.SocketPlugs.DeliveriesFor(PlugsOut, change.Next) is { IsEmpty: false } deliveries)
        {
            change = change with { Next = change.Next with { Deliveries = deliveries } };
        }

        bool stored;
        try
        {
            stored = await calls.TransitionAsync(change);
        }
        catch (Exception e)
        {
            // The database failed: the same change is tried again (guarded, so it cannot apply twice) until it
            // is stored; an attempt's result is not thrown away because the database was away for a while.
            LogStorageFailed(e, held.Call.Id);
            held.Pending = change;
            RecheckLater(held);
            return;
        }

        held.Pending = null;
        if (stored)
        {
            Count(change);
            if (!change.Next.Deliveries.IsEmpty) GrainFactory.GetGrain<IPlugDeliveryGrain>(Name).DeliverAsync(change.Next).Ignore();
            await ApplyStoredAsync(held, change.Next);
        }
        else
        {
            await ReconcileAsync(held);
        }
    }

    // Counts a change this socket stored: an end, or an attempt that ended (or was lost) queued again. An attempt's
    // end is guarded on its stored start (running, attempt n) or, when the start was folded into the end, on the row
    // still queued (attempt n - 1); either way a retry counts the attempt. An attempt that never started goes back
    // to the attempt before, and is not a retry.
    private void Count(CallChange change)
    {
        var counted = change.From == CallState.Running ? change.FromAttempt : change.FromAttempt + 1;
        if (change.Next.State.IsFinal()) metrics.Ended(Tally, change.Next.State);
        else if (change.Next.State == CallState.Queued && change.Next.Attempts == counted) metrics.Retried(Tally);
    }

    // Reads the call's row and acts on it; if the database cannot be read, tries again later.
    private async Task ReconcileAsync(HeldCall held)
    {
        CallInfo? stored;
        try
        {
            stored = await calls.ReadAsync(held.Call.Id);
        }
        catch (Exception e)
        {
            LogStorageFailed(e, held.Call.Id);
            RecheckLater(held);
            return;
        }

        if (stored is null)
        {
            // Removed from storage (retention, or by hand): nothing more will happen to it.
            Drop(held, new NotFoundException("call", held.Call.Id.ToString()));
            return;
        }

        await ApplyStoredAsync(held, stored);
        Pump();
    }

    private void RecheckLater(HeldCall held)
    {
        held.Recheck = held.Recheck == TimeSpan.Zero ? FirstRecheck : TimeSpan.FromTicks(Math.Min(held.Recheck.Ticks * 2, LastRecheck.Ticks));
        held.Reconcile = true;
        Later(held, time.GetUtcNow() + held.Recheck);
    }

    private RetryPolicy Policy(CallInfo call)
    {
        var policy = call.Retry ?? Definition?.Spec.Retry ?? RetryPolicy.Default;
        return call.MaxAttempts is { } attempts ? policy with { MaxAttempts = attempts } : policy;
    }

    private bool IsAlive(string? owner)
    {
        if (owner is null) return false;
        try
        {
            return membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(owner)) == SiloStatus.Active;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // The wait is a continuation on the call's end: it answers the moment the call ends, and holds nothing once
    // the wait passes or the waiter cancels (WaitAsync drops its timer and registration; a bare Task.Delay would live on).
    private async Task<CallInfo> WaitForEndAsync(HeldCall held, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (held.Ended.Task.IsCompleted || wait <= TimeSpan.Zero || _move is not null)
        {
            if (held.Ended.Task.IsCompleted) return await held.Ended.Task;
            LetGoIfUnwaited(held);
            return held.Call;
        }

        held.Waiters++;
        try
        {
            // A socket about to move answers its waiters first (a held request would keep it from migrating).
            var moving = (_movingOut ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            var first = await Task.WhenAny(held.Ended.Task, moving).WaitAsync(wait < MaxWait ? wait : MaxWait, time, cancellationToken);
            return first == held.Ended.Task ? await held.Ended.Task : held.Call;
        }
        catch (TimeoutException)
        {
            return held.Call;
        }
        finally
        {
            held.Waiters--;
            LetGoIfUnwaited(held);
        }
    }

    // A call held only for its waiters is let go when none is left: its place in the queue is in SQL.
    private void LetGoIfUnwaited(HeldCall held)
    {
        if (held.Waiting && held.Waiters == 0 && !held.Ended.Task.IsCompleted) _held.Forget(held);
    }

    // What the worker's Python will json.loads is bounded here, whoever sent it (the gateway, a .NET client, a workflow).
    private void CheckRequest(CallRequest request)
    {
        if (request.Socket != SocketName) throw new InvalidSpecException($"the request names socket '{request.Socket}' but was sent to socket '{SocketName}'");
        ModelRules.Json("the call's positional arguments", request.Args, JsonValueKind.Array, _options.MaxPayloadBytes);
        if (request.Kwargs is not null) ModelRules.Json("the call's keyword arguments", request.Kwargs, JsonValueKind.Object, _options.MaxPayloadBytes);
        if (request.Key is { } key && (key.Length is 0 or > 200)) throw new InvalidSpecException("a call's key must have 1 to 200 characters");
        if (request.Retry is { } retry) ModelRules.Validate("the call", retry);
        if (request.MaxAttempts is < 1 or > 1000) throw new InvalidSpecException("the call's max attempts must be between 1 and 1000");
        if (request.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromDays(7)))
            throw new InvalidSpecException("the call's time limit must be between 0 and 7 days");
    }

    // Starts what can start, and shows the queue as it is then.
    private void Pump()
    {
        StartQueued();
        if (Pager.NeedsRefill && _refillRetry is null && Definition is not null) RefillAsync().Ignore();
        Publish();
    }

    // Queue depth and calls in flight, for the gauges (held calls are either).
    private void Publish()
    {
        var inFlight = _slots.InFlight;
        Volatile.Write(ref Tally.InFlight, inFlight);
        Volatile.Write(ref Tally.Queued, Math.Max(0, _held.Count - inFlight) + (int)Math.Min(Pager.InSql, int.MaxValue));
    }

    // Starts as many queued calls as the slots take (see SlotDispatcher); returns at once.
    private void StartQueued()
    {
        // A stopping silo starts no attempt: its calls stay queued, stored, for the next start (or another silo).
        // A socket about to move starts none either: the new activation will.
        if (_held.Queued == 0 || Definition is not { } definition || drain.IsStopping || _move is not null) return;
        if (_deployment is not { } deployment)
        {
            _fetchingDeployment ??= FetchDeploymentAsync(definition.Spec.Processor);
            return;
        }

        if (deployment.Status == ProcessorStatus.Deploying)
        {
            // However long the deployment takes, the calls wait for it: the processor pushes its end
            // (DeploymentChangedAsync); a timer asks again now and then in case that push was lost.
            _deploymentRecheck ??= this.RegisterGrainTimer(() =>
            {
                _deploymentRecheck?.Dispose();
                _deploymentRecheck = null;
                if (_deployment?.Status == ProcessorStatus.Deploying) _deployment = null;
                Pump();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions(DeploymentRecheck, Timeout.InfiniteTimeSpan) { Interleave = true });
            return;
        }

        if (deployment.Status == ProcessorStatus.Error)
        {
            FailQueued(FailureKinds.DeploymentFailed.Error($"processor '{deployment.Processor}' cannot run: {deployment.Error}"));
            return;
        }

        var starting = _slots.Assign(_held, time.GetUtcNow(), out var retryAt);
        foreach (var (slot, held) in starting) RunOnSlotAsync(slot, held, deployment).Ignore();
        if (retryAt is { } at) ScheduleSlotRetry(at);
    }

    private async Task FetchDeploymentAsync(string processor)
    {
        try
        {
            // Answered at once, deploying or not: a deployment may take far longer than a grain call may.
            _deployment = await GrainFactory.GetGrain<IProcessorGrain>(processor).GetDeploymentAsync(Name);
        }
        catch (Exception e) when (PyfiException.Find(e) is { } refused)
        {
            _deployment = null;
            FailQueued(FailureKinds.DeploymentFailed.Error($"processor '{processor}' cannot run: {refused.Message}"));
        }
        catch (Exception e)
        {
            // The processor could not be asked (its silo went away, the cluster is changing): the calls wait, and
            // it is asked again shortly.
            LogDeploymentUnreachable(processor, e.Message.Split('\n')[0]);
            _deployment = new ProcessorDeployment(processor, "", "", null, null, ProcessorStatus.Deploying, null, 0);
        }
        finally
        {
            _fetchingDeployment = null;
        }

        Pump();
    }

    // Runs one attempt of a queued call on a slot. The worker stores the call running (attempt, lease, this silo
    // as the owner of the attempt: only this activation can store its end) when its Python process begins it, so a
    // call that only waited behind another is never stored running; a short attempt's start is folded into its end.
    // The worker says whether the start is stored, and the end is stored from there. The slot is free as soon as
    // the worker answers.
    private async Task RunOnSlotAsync(SocketSlot slot, HeldCall held, ProcessorDeployment deployment)
    {
        // A stopping silo waits until what its sockets handed over has come back and is stored.
        drain.HandedOver();
        _attemptsOut++;
        try
        {
            await RunAndStoreAsync(slot, held, deployment);
        }
        finally
        {
            drain.Settled();
            _attemptsOut--;
            if (_move is not null) TryMove();
        }
    }

    private (IWorkerGrain Grain, string Key) WorkerOf(int slot)
    {
        var key = WorkerKey.Of(Name, slot);
        return (GrainFactory.GetGrain<IWorkerGrain>(key), key);
    }

    private async Task RunAndStoreAsync(SocketSlot slot, HeldCall held, ProcessorDeployment deployment)
    {
        var queued = held.Call;
        var attempt = queued.Attempts + 1;
        var (worker, workerKey) = slot.Worker ??= WorkerOf(slot.Index);
        CallInfo running;
        WorkResult result;
        try
        {
            // A slot idle long enough to have let its core go is reserved first: when no core is free,
            // asking the ledger is cheaper (and quieter) than a failed placement. (A worker that ended a
            // call less than half its idle timeout ago still holds its core.)
            // Until its worker has answered, the slot gets no call written behind this one (see Pump).
            if (SlotDispatcher.MustReserveCore(slot, time.GetUtcNow(), _options.SlotIdleTimeout))
            {
                if (!await GrainFactory.GetGrain<ISlotLedgerGrain>(0).TryReserveAsync(worker.GetGrainId(), deployment.HostList))
                {
                    throw new NoCapacityException("every core is running a call");
                }
            }

            var now = time.GetUtcNow();
            running = CallTransitions.Started(queued, attempt, workerKey, _siloName ??= silo.SiloAddress.ToParsableString(), deployment.Commit, now, now + _options.LeaseDuration);
            held.Slot = slot.Index;
            held.Call = running;
            if (deployment.HostList.Length > 0) RequestContext.Set(PlacementHosts.Key, deployment.HostList);
            result = await worker.ExecuteAsync(new WorkItem(running, deployment, running.Timeout ?? Definition?.Spec.Timeout));
            SlotDispatcher.Answered(slot, time.GetUtcNow());
        }
        catch (Exception e) when (PyfiException.Find(e) is NoCapacityException)
        {
            // No free core anywhere: the call waits at the front of the queue (nothing was stored); the slot backs off.
            held.Slot = null;
            held.Call = queued;
            _held.Requeue(held);
            LogNoCore(slot.Index, e.Message);
            // Its worker had let its core go (asked to, by another socket).
            SlotDispatcher.NoCore(slot, time.GetUtcNow());
            Pump();
            return;
        }
        catch (Exception e)
        {
            // The worker's silo went away mid-call, or the call to it failed. With its silo gone the attempt
            // is lost now; otherwise it may still run, and its lease says when it is lost.
            LogWorkerUnreachable(e, queued.Id, workerKey);
            SlotDispatcher.Unreachable(slot);
            held.Slot = null;
            if (_held.Contains(queued.Id))
            {
                var stored = held.Call;
                if (e is SiloUnavailableException || e.InnerException is SiloUnavailableException)
                {
                    await StoreAndApplyAsync(held, CallTransitions.Lost(stored, FailureKinds.WorkerLost.Error($"the silo running attempt {attempt} went away"), Policy(stored), time.GetUtcNow()));
                }
                else
                {
                    await ReconcileAsync(held);
                }
            }

            Pump();
            return;
        }

        // The worker is free as soon as it answered: the next call starts while this one's end is stored.
        SlotDispatcher.Returned(slot);
        held.Slot = null;
        Pump();
        if (!_held.Contains(queued.Id)) return; // ended here meanwhile (cancelled): its end is stored already
        var change = CallTransitions.AfterAttempt(running, result, Policy(running), time.GetUtcNow(), Random.Shared.NextDouble());
        if (result.Outcome == WorkOutcome.Interrupted) LogInterrupted(queued.Id, attempt);
        else if (result.Outcome is not WorkOutcome.Succeeded and not WorkOutcome.NotStarted && !change.Next.State.IsFinal())
        {
            LogRetrying(queued.Id, attempt, result.Error?.ToString() ?? result.Outcome.ToString());
        }

        if (change.AlreadyStored) await ApplyStoredAsync(held, change.Next);
        else await StoreAndApplyAsync(held, change);

        Pump();
    }

    // Ends a held call here: whoever waits gets it.
    private void End(HeldCall held, CallInfo ended)
    {
        held.Call = ended;
        Forget(held);
        held.Ended.TrySetResult(ended);
    }

    private void Drop(HeldCall held, PyfiException why)
    {
        Forget(held);
        held.Ended.TrySetException(why);
        _ = held.Ended.Task.Exception; // observed: whoever waited has been told, or has gone
    }

    private void Forget(HeldCall held)
    {
        _held.Forget(held);
        Publish();
    }

    private void FailQueued(CallError error)
    {
        var failed = _held.TakeQueued();
        var now = time.GetUtcNow();
        foreach (var held in failed)
        {
            StoreAndApplyAsync(held, CallTransitions.FailedWithoutAttempt(held.Call, error, now)).Ignore();
        }
    }

    // Puts a call aside until a time: the timer wakes the socket at the earliest such time.
    private void Later(HeldCall held, DateTimeOffset at)
    {
        _held.Later(held, at);
        WakeUpAt(at);
    }

    private void WakeUpAt(DateTimeOffset at)
    {
        if (at >= _wakeUpAt) return;
        _wakeUp?.Dispose();
        _wakeUpAt = at;
        var due = at - time.GetUtcNow();
        _wakeUp = this.RegisterGrainTimer(WakeUpAsync, new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    private async Task WakeUpAsync()
    {
        _wakeUp?.Dispose();
        _wakeUp = null;
        _wakeUpAt = DateTimeOffset.MaxValue;
        var due = _held.TakeDue(time.GetUtcNow());
        if (_held.NextDue is { } next) WakeUpAt(next);
        foreach (var held in due)
        {
            if (!_held.Contains(held.Call.Id)) continue;
            if (held.Pending is { } pending)
            {
                held.Reconcile = false;
                await StoreAndApplyAsync(held, pending);
            }
            else if (held.Reconcile || held.Call.State == CallState.Running)
            {
                held.Reconcile = false;
                await ReconcileAsync(held);
            }
            else
            {
                Pager.TakeBack(held);
            }
        }

        Pump();
    }

    /// <inheritdoc />
    public Task CoreFreedAsync()
    {
        _slots.CoreFreed(time.GetUtcNow());
        Pump();
        return Task.CompletedTask;
    }

    private void ScheduleSlotRetry(DateTimeOffset at)
    {
        if (_slotRetry is not null) return;
        var due = at - time.GetUtcNow();
        _slotRetry = this.RegisterGrainTimer(() =>
        {
            _slotRetry?.Dispose();
            _slotRetry = null;
            Pump();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    // A socket holding calls stays activated, even with no request coming in, until they have ended. The
    // timer is let go on a tick that finds nothing held (not at each call's end: calls come and go fast).
    private void KeepAlive() =>
        _keepAlive ??= this.RegisterGrainTimer(() =>
        {
            if (_held.Count == 0 && !Pager.Paging)
            {
                _keepAlive?.Dispose();
                _keepAlive = null;
            }

            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { Interleave = true, KeepAlive = true });

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slot {Slot} has no core: {Reason}")]
    private partial void LogNoCore(int slot, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activated on {Silo}")]
    private partial void LogActivated(SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took up {Count} calls not ended from storage")]
    private partial void LogTakenUp(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} could not be reached for call {CallId}")]
    private partial void LogWorkerUnreachable(Exception exception, Guid callId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} attempt {Attempt} did not succeed ({Reason}); it will run again")]
    private partial void LogRetrying(Guid callId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} attempt {Attempt} was cut off by its silo's stop; it is queued again, not counted as an attempt")]
    private partial void LogInterrupted(Guid callId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Processor {Processor} could not be asked for its deployment ({Reason}); asking again")]
    private partial void LogDeploymentUnreachable(string processor, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} attempt {Attempt} is lost ({Reason})")]
    private partial void LogAttemptLost(Guid callId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The next page of the queue could not be read; trying again")]
    private partial void LogPageFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the database failed; trying again")]
    private partial void LogStorageFailed(Exception exception, Guid callId);
}
