using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Pyfi.Grains.Model;
using Pyfi.Grains.Storage;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Sockets;

/// <summary>
/// One socket (see <see cref="ISocketGrain"/>): it accepts calls (each stored in SQL before it is
/// acknowledged), holds them until they end, and runs each on one of its worker slots (<c>socket#0</c> …
/// <c>socket#c-1</c>), which the per-core director places where a core is free. Calls wait while every slot
/// is busy or no core is free. A worker that died has its call run again on a fresh one, up to the socket's
/// attempts. The socket writes each call's row itself (accepted, ended) through the call store.
/// </summary>
[Reentrant]
public sealed partial class SocketGrain(
    [PersistentState("socket", StorageNames.Model)] IPersistentState<SocketState> state,
    CallStore calls,
    PyfiRuntimeOptions options,
    TimeProvider time,
    ILogger<SocketGrain> logger)
    : DefinitionGrain<SocketSpec, SocketState>(state), ISocketGrain
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromMilliseconds(500);

    // One call running and one written to its process behind it, at most, per slot.
    private const int MaxInFlightPerSlot = 2;


    // Every call this activation holds, from accepted (or found not ended in SQL) until its end is stored.
    private readonly Dictionary<Guid, HeldCall> _held = [];
    private readonly LinkedList<HeldCall> _queue = new();
    private Slot[] _slots = [];
    private ProcessorDeployment? _deployment;
    private Task? _fetchingDeployment;
    private IGrainTimer? _retry;

    private string Name => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Definition is not { } definition) return;
        Resize(definition.Spec.Concurrency);
        // Calls accepted before this activation (a restart) and not ended are queued again.
        foreach (var (call, version) in await calls.ListAsync(Name, [CallState.Queued, CallState.Running], int.MaxValue, cancellationToken))
        {
            Hold(call, version);
        }

        Pump();
    }

    /// <inheritdoc />
    public async Task<CallInfo> RunAsync(CallRequest request, TimeSpan wait)
    {
        var spec = Definition?.Spec ?? throw new NotFoundException("socket", Name);
        CheckArguments(request);
        var call = new CallInfo
        {
            Id = Guid.NewGuid(),
            Socket = Name,
            Processor = spec.Processor,
            Function = spec.Function,
            Args = request.Args,
            Kwargs = request.Kwargs,
            Created = time.GetUtcNow(),
            Parent = request.Parent,
        };

        var version = await calls.InsertAsync(call);
        var held = Hold(call, version);
        Pump();
        return await WaitForEndAsync(held, wait);
    }

    /// <inheritdoc />
    public Task<CallInfo?> GetCallAsync(Guid id) => Task.FromResult(_held.TryGetValue(id, out var held) ? held.Call : null);

    /// <inheritdoc />
    public async Task<CallInfo?> WaitCallAsync(Guid id, TimeSpan timeout)
    {
        if (!_held.TryGetValue(id, out var held))
        {
            // Not held: ended, not this socket's, or stored as not ended after its end failed to store.
            if (await calls.ReadAsync(id) is not ({ State: var state } stored, var version) || stored.Socket != Name) return null;
            if (state.IsFinal()) return stored;
            if (!_held.TryGetValue(id, out held))
            {
                held = Hold(stored, version);
                Pump();
            }
        }

        return await WaitForEndAsync(held, timeout);
    }

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
    protected override Task OnDefinitionChangedAsync(Definition<SocketSpec>? previous, Definition<SocketSpec> current)
    {
        if (previous?.Spec.Processor != current.Spec.Processor) _deployment = null;
        Resize(current.Spec.Concurrency);
        Pump();
        return Task.CompletedTask;
    }

    // Holds a call until its end is stored, queued to run.
    private HeldCall Hold(CallInfo call, int version)
    {
        if (_held.TryGetValue(call.Id, out var held)) return held;
        held = new HeldCall(call with { State = CallState.Queued }, version);
        _held[call.Id] = held;
        _queue.AddLast(held);
        return held;
    }

    private async Task<CallInfo> WaitForEndAsync(HeldCall held, TimeSpan wait)
    {
        try
        {
            // WaitAsync drops its timer as soon as the call ends (a bare Task.Delay would live on).
            return await held.Ended.Task.WaitAsync(wait < MaxWait ? wait : MaxWait, time);
        }
        catch (TimeoutException)
        {
            return held.Call;
        }
    }

    private static void CheckArguments(CallRequest request)
    {
        if (!IsJson(request.Args, JsonValueKind.Array)) throw new InvalidSpecException("the call's positional arguments must be a JSON array");
        if (request.Kwargs is not null && !IsJson(request.Kwargs, JsonValueKind.Object)) throw new InvalidSpecException("the call's keyword arguments must be a JSON object");
    }

    private static bool IsJson(string text, JsonValueKind kind)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == kind;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Resize(int concurrency)
    {
        if (_slots.Length == concurrency) return;
        var resized = new Slot[concurrency];
        for (var i = 0; i < concurrency; i++) resized[i] = i < _slots.Length ? _slots[i] : new Slot(i);
        _slots = resized;
    }

    // Starts as many queued calls as there are free slots; returns at once. With a backlog, each slot also
    // gets one call queued behind the one it runs (as Celery prefetches), so its worker starts the next call
    // the moment the last one ends instead of after a round trip to the socket.
    private void Pump()
    {
        if (_queue.Count == 0 || Definition is not { } definition) return;
        if (_deployment is not { } deployment || deployment.Status == ProcessorStatus.Deploying)
        {
            _fetchingDeployment ??= FetchDeploymentAsync(definition.Spec.Processor);
            return;
        }

        if (deployment.Status == ProcessorStatus.Error)
        {
            FailQueued(new CallError("DeploymentFailed", $"processor '{deployment.Processor}' cannot run: {deployment.Error}"));
            return;
        }

        var now = time.GetUtcNow();
        for (var depth = 0; depth < MaxInFlightPerSlot && _queue.Count > 0; depth++)
        {
            if (depth > 0 && _queue.Count < _slots.Length) break;
            foreach (var slot in _slots)
            {
                if (_queue.First is not { } next) return;
                if (slot.InFlight != depth || slot.WaitUntil > now) continue;
                _queue.RemoveFirst();
                slot.InFlight++;
                RunOnSlotAsync(slot, next.Value, deployment, definition.Spec).Ignore();
            }
        }

        // Calls are left and a slot is idle only because it backs off: look again when it may try.
        if (_queue.Count == 0) return;
        foreach (var slot in _slots)
        {
            if (slot.InFlight == 0 && slot.WaitUntil > now)
            {
                ScheduleRetry();
                return;
            }
        }
    }

    private async Task FetchDeploymentAsync(string processor)
    {
        try
        {
            _deployment = await GrainFactory.GetGrain<IProcessorGrain>(processor).GetDeploymentAsync(Name);
        }
        catch (Exception e)
        {
            var reason = PyfiException.Find(e)?.Message ?? e.Message;
            _deployment = null;
            FailQueued(new CallError("DeploymentFailed", $"processor '{processor}' cannot run: {reason}"));
        }
        finally
        {
            _fetchingDeployment = null;
        }

        Pump();
    }

    private async Task RunOnSlotAsync(Slot slot, HeldCall held, ProcessorDeployment deployment, SocketSpec spec)
    {
        var call = held.Call;
        var attempt = call.Attempts + 1;
        var worker = GrainFactory.GetGrain<IWorkerGrain>($"{Name}#{slot.Index}");
        WorkResult result;
        try
        {
            // A slot idle long enough to have let its core go is reserved first: when no core is free,
            // asking the ledger is cheaper (and quieter) than a failed placement. (A worker that ended a
            // call less than half its idle timeout ago still holds its core.)
            if (time.GetUtcNow() - slot.LastEnded > options.SlotIdleTimeout / 2
                && slot.InFlight == 1
            && !await GrainFactory.GetGrain<ISlotLedgerGrain>(0).TryReserveAsync(worker.GetGrainId()))
            {
                throw new NoCapacityException("every core is running a call");
            }

            // Running, as far as anyone asking can see; SQL keeps it queued until it ends (a restart runs it again).
            held.Call = call with { State = CallState.Running, Attempts = attempt, Worker = worker.GetPrimaryKeyString(), Commit = deployment.Commit, Started = time.GetUtcNow() };
            result = await worker.ExecuteAsync(new WorkItem(call.Id, attempt, spec.Function, call.Args, call.Kwargs, deployment, spec.Timeout));
            slot.Backoff = TimeSpan.Zero;
            slot.LastEnded = time.GetUtcNow();
        }
        catch (Exception e) when (PyfiException.Find(e) is NoCapacityException)
        {
            // No free core anywhere: the call waits at the front of the queue; the slot backs off.
            held.Call = call;
            _queue.AddFirst(held);
            slot.Backoff = slot.Backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(slot.Backoff.Ticks * 2, LastBackoff.Ticks));
            slot.WaitUntil = time.GetUtcNow() + slot.Backoff;
            slot.InFlight--;
            Pump();
            return;
        }
        catch (Exception e)
        {
            // The worker's silo went away mid-call, or the call to it failed: the attempt did not end.
            LogWorkerUnreachable(e, call.Id, worker.GetPrimaryKeyString());
            result = new WorkResult(WorkOutcome.Crashed, null, new CallError("WorkerUnreachable", e.Message.Split('\n')[0]), null,
                worker.GetPrimaryKeyString(), time.GetUtcNow(), time.GetUtcNow());
        }

        // The worker is free as soon as it answered: the next call starts while this one's end is stored.
        slot.InFlight--;
        await SettleAsync(held, call, attempt, result, deployment, spec);
    }

    private async Task SettleAsync(HeldCall held, CallInfo before, int attempt, WorkResult result, ProcessorDeployment deployment, SocketSpec spec)
    {
        if (result.Outcome == WorkOutcome.NotStarted)
        {
            held.Call = before;
            _queue.AddFirst(held);
            Pump();
            return;
        }

        var retriable = result.Outcome is WorkOutcome.Crashed or WorkOutcome.TimedOut;
        if (retriable && attempt < spec.Retry.MaxAttempts)
        {
            LogRetrying(before.Id, attempt, result.Error?.ToString() ?? result.Outcome.ToString());
            held.Call = before with { Attempts = attempt };
            _queue.AddFirst(held);
            Pump();
            return;
        }

        Pump();

        var error = result.Error;
        if (retriable) error = error! with { Message = $"{error.Message} (attempt {attempt} of {spec.Retry.MaxAttempts})" };
        await EndAsync(held, held.Call with
        {
            State = result.Outcome == WorkOutcome.Succeeded ? CallState.Succeeded : CallState.Failed,
            Attempts = attempt,
            Result = result.Result,
            Error = error,
            Output = result.Output,
            Commit = deployment.Commit ?? before.Commit,
            Worker = result.Worker,
            Started = result.Started,
            Finished = result.Finished,
        });
    }

    // Stores the call's end, then answers whoever waits. A call ends once: its row's version guards it.
    private async Task EndAsync(HeldCall held, CallInfo ended)
    {
        try
        {
            held.Version = await calls.UpdateAsync(ended, held.Version);
        }
        catch (Exception e)
        {
            // Not stored: the row still says it has not ended, so it runs again when it is next taken up.
            LogCompletionNotStored(e, ended.Id);
            _held.Remove(ended.Id);
            held.Ended.TrySetException(PyfiException.Find(e) ?? new StorageUnavailableException(e.Message));
            _ = held.Ended.Task.Exception; // observed: whoever waited has been told, or has gone
            return;
        }

        held.Call = ended;
        _held.Remove(ended.Id);
        held.Ended.TrySetResult(ended);
    }

    private void FailQueued(CallError error)
    {
        var failed = _queue.ToList();
        _queue.Clear();
        var now = time.GetUtcNow();
        foreach (var held in failed)
        {
            EndAsync(held, held.Call with { State = CallState.Failed, Error = error, Finished = now }).Ignore();
        }
    }

    private void ScheduleRetry()
    {
        if (_retry is not null) return;
        var due = _slots.Where(s => s.InFlight == 0).Min(s => s.WaitUntil) - time.GetUtcNow();
        _retry = this.RegisterGrainTimer(() =>
        {
            _retry?.Dispose();
            _retry = null;
            Pump();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    private sealed class Slot(int index)
    {
        public int Index { get; } = index;

        public int InFlight { get; set; }

        public DateTimeOffset WaitUntil { get; set; }

        public TimeSpan Backoff { get; set; }

        public DateTimeOffset LastEnded { get; set; } = DateTimeOffset.MinValue;
    }

    // A call from accepted until its end is stored: as anyone asking sees it, its row's version, and its end.
    private sealed class HeldCall(CallInfo call, int version)
    {
        public CallInfo Call { get; set; } = call;

        public int Version { get; set; } = version;

        public TaskCompletionSource<CallInfo> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} could not be reached for call {CallId}")]
    private partial void LogWorkerUnreachable(Exception exception, Guid callId, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} attempt {Attempt} did not finish ({Reason}); running it again")]
    private partial void LogRetrying(Guid callId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The end of call {CallId} could not be stored; it stays queued")]
    private partial void LogCompletionNotStored(Exception exception, Guid callId);
}
