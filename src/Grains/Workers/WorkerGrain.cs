using Microsoft.Extensions.Options;
using System.Net;
using Orleans.Concurrency;
using Microsoft.Extensions.Logging;
using Pyfi.Grains.Calls;
using Pyfi.Grains.Code;
using Pyfi.Grains.Placement;
using Pyfi.Grains.Python;
using Pyfi.Grains.Telemetry;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Workers;

// Long on purpose: one attempt's life on one slot (renting a process, storing its start, lease renewal, time
// limit, cancel, its end) shares the slot's state; the process is PythonWorker, the rules CallTransitions.
/// <summary>
/// One executing slot (see <see cref="IWorkerGrain"/>). Placed per core; runs one attempt at a time on a
/// Python worker rented from this host's pool, for the commit the attempt names; replaces a worker that
/// died; kills one that runs past the time limit; and lets its core go after a short idle spell. Reentrant:
/// the socket may hand it the next attempt while one runs, and that attempt is written to the process at
/// once, so the process runs them back to back (one at a time; the socket sends at most two). It stores each
/// attempt's start when its process says it began it (a call that only waited in the process's stdin is never
/// stored running, so no loss of a silo or a process charges it an attempt), folded away when the attempt ends
/// within the call store's deferral.
/// </summary>
[PerCorePlacement]
[Reentrant]
[Orleans.Placement.Immovable] // holds a core on the silo it was placed on: never moved (a move would ask placement without the network's mark)
public sealed partial class WorkerGrain(
    CodeCache code,
    PythonWorkerPool pool,
    CallStore calls,
    IOptions<PyfiRuntimeOptions> settings,
    LocalWorkers local,
    PyfiMetrics metrics,
    SiloDrain drain,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<WorkerGrain> logger) : Grain, IWorkerGrain
{
    private readonly PyfiRuntimeOptions _options = settings.Value;

    private static readonly TimeSpan ConfirmPeriod = TimeSpan.FromSeconds(10);

    // Idle this long between calls means the socket has nothing queued for this slot.
    private static readonly TimeSpan IdleEnoughToYield = TimeSpan.FromMilliseconds(2);

    // Held this long, a core is shared with a waiting socket even while this one stays busy.
    private static readonly TimeSpan LongestHold = TimeSpan.FromSeconds(2);
    private PythonWorker? _worker;
    private DateTimeOffset _lastUsed;
    private DateTimeOffset _activated;
    private DateTimeOffset _lastConfirmed;

    // How this slot is (attempts running, calls done, process), kept where the silo's reports read it.
    private WorkerStatus _status = null!;

    // Its socket's counts on this silo: executions are counted where they run.
    private SocketTally _tally = null!;

    // The last attempt written to the current worker: a switch to other code waits for it to end.
    private Task _lastOnWorker = Task.CompletedTask;
    private Task<PythonWorker>? _renting;

    // Attempts this slot has started and not ended: the call as stored running (for lease renewal) and the
    // process it was written to (for cancel).
    private readonly Dictionary<Guid, Attempt> _attempts = [];

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Placement reserved this core; an activation that reached here another way (Orleans may activate a
        // grain where a cached address points, without asking the director) must hold a core too.
        var hosts = PlacementHosts.Current;
        if (!PlacementHosts.Allows(hosts, _options.HostName)) throw new NoCapacityException($"{this.GetGrainId()} may not run on host {_options.HostName}");
        var held = await GrainFactory.GetGrain<ISlotLedgerGrain>(0).ReserveAsync(this.GetGrainId(), [silo.SiloAddress], hosts);
        if (held is null) throw new NoCapacityException($"no free core on {silo.SiloAddress} for {this.GetGrainId()}");
        _lastUsed = _lastConfirmed = _activated = time.GetUtcNow();
        _status = local.Add(this.GetGrainId(), _activated);
        _tally = metrics.For(WorkerKey.SocketOf(this.GetGrainId()));
        var tick = _options.SlotIdleTimeout / 2;
        this.RegisterGrainTimer(CheckIdleAsync, tick, tick);
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_worker is not null) pool.Return(_worker);
        _worker = null;
        local.Remove(this.GetGrainId());

        // A stopping silo leaves the cluster, and the ledger forgets its cores with it (it may no longer be reachable).
        if (!drain.IsStopping) await GrainFactory.GetGrain<ISlotLedgerGrain>(0).ReleaseAsync(this.GetGrainId());
    }

    /// <inheritdoc />
    public async Task<WorkResult> ExecuteAsync(WorkItem item)
    {
        // Placed before the processor was pinned to other hosts: give the core back; the socket tries again.
        if (!PlacementHosts.Allows(item.Deployment.HostList, _options.HostName))
        {
            DeactivateOnIdle();
            throw new NoCapacityException($"{this.GetGrainId()} runs on host {_options.HostName}, not one of {item.Deployment.HostList}");
        }

        // The silo is stopping: nothing starts here. The socket holds the call (or runs it on another silo).
        if (drain.IsStopping)
        {
            DeactivateOnIdle();
            return Result(WorkOutcome.NotStarted, null, FailureKinds.SiloStopping.Error("the silo is stopping"), null, time.GetUtcNow(), startStored: false);
        }

        Interlocked.Increment(ref _status.Running);
        drain.AttemptBegan();
        var attempt = new Attempt(item);
        _attempts[item.Call.Id] = attempt;
        try
        {
            var result = await RunAsync(item, attempt);
            Measure(attempt, result.Outcome);
            return result;
        }
        finally
        {
            StopClock(attempt);
            attempt.Cancel.Dispose();
            _attempts.Remove(item.Call.Id);
            drain.AttemptEnded();
            Interlocked.Decrement(ref _status.Running);
            Interlocked.Increment(ref _status.CallsDone);
            _status.Pid = _worker?.ProcessId;
            _lastUsed = time.GetUtcNow();
        }
    }

    // Counts the attempt's execution time: from when its process said it began it.
    private void Measure(Attempt attempt, WorkOutcome outcome)
    {
        DateTimeOffset? began;
        lock (attempt) began = attempt.Began;
        if (began is not { } start || outcome is WorkOutcome.NotStarted or WorkOutcome.CannotStart) return;
        metrics.Executed(_tally, Math.Max(0, (time.GetUtcNow() - start).TotalSeconds));
    }

    // The attempt is over, however it ended: the silo's execution clock stops counting it (a start said after
    // this is not counted).
    private void StopClock(Attempt attempt)
    {
        lock (attempt)
        {
            attempt.Over = true;
            if (attempt.Clocked && attempt.Began is { } began) local.ExecutionEnded(began, time.GetUtcNow());
        }
    }

    /// <inheritdoc />
    public Task CancelAsync(Guid callId)
    {
        if (_attempts.TryGetValue(callId, out var attempt))
        {
            // Running: its process is killed (calls written behind it come back as not started). Written
            // behind another call: the process is told to skip it. Not written yet: it never will be.
            attempt.Cancel.Cancel();
        }

        return Task.CompletedTask;
    }

    // Runs the attempt on this deployment's Python process. Its start is stored when the process begins it (see
    // OnBegan); the socket stores its end from what this returns (and whether the start is stored): no database
    // write stands between two calls on this slot.
    private async Task<WorkResult> RunAsync(WorkItem item, Attempt attempt)
    {
        var started = time.GetUtcNow();
        PythonWorker worker;
        try
        {
            worker = await WorkerForAsync(item.Deployment);
        }
        catch (DeploymentException e)
        {
            return Result(WorkOutcome.CannotStart, null, FailureKinds.DeploymentFailed.Error(e.Message), null, started, startStored: false);
        }
        catch (SiloStoppingException e)
        {
            return Result(WorkOutcome.NotStarted, null, FailureKinds.SiloStopping.Error(e.Message), null, started, startStored: false);
        }
        catch (PythonWorkerExitedException e)
        {
            // The process died before it took the call (killed by a stop, or its import killed it).
            var outcome = drain.IsStopping ? WorkOutcome.NotStarted : WorkOutcome.Crashed;
            return Result(outcome, null, new CallError(e.Kind, e.Message), null, started, startStored: false);
        }
        catch (Exception e)
        {
            // Whatever failed while readying the code stays here: its type may not cross to the socket.
            LogCannotStart(e, item.Call.Id);
            return Result(WorkOutcome.CannotStart, null, FailureKinds.DeploymentFailed.Error($"{e.GetType().Name}: {e.Message}"), null, started, startStored: false);
        }

        if (attempt.Cancelled) return Result(WorkOutcome.NotStarted, null, FailureKinds.Cancelled.Error("the call was cancelled"), null, started, worker, startStored: false);
        if (drain.IsStopping) return Result(WorkOutcome.NotStarted, null, FailureKinds.SiloStopping.Error("the silo is stopping"), null, started, worker, startStored: false);
        attempt.Process = worker;
        var running = worker.CallAsync(item.Call.Function, item.Call.Args, item.Call.Kwargs, item.Timeout, attempt.Cancel.Token, () => OnBegan(attempt));
        _lastOnWorker = running;
        try
        {
            var reply = await running;
            var stored = await SettleStartAsync(attempt);
            if (!reply.Started && !reply.Ok)
            {
                // Skipped by the process (cancelled, or taken back as the silo stops): never begun.
                return Result(WorkOutcome.NotStarted, null, reply.Error, null, started, worker, stored);
            }

            return Result(reply.Ok ? WorkOutcome.Succeeded : WorkOutcome.Failed, reply.Result, reply.Error, reply.Output, attempt.Began ?? started, worker, stored);
        }
        catch (TimeoutException)
        {
            Drop(worker);
            var stored = await SettleStartAsync(attempt);
            return Result(WorkOutcome.TimedOut, null, FailureKinds.TimeLimitExceeded.Error($"the attempt ran longer than {item.Timeout} and its worker was killed"), null, attempt.Began ?? started, worker, stored);
        }
        catch (PythonWorkerExitedException e) when (!e.Started)
        {
            Drop(worker);
            var stored = await SettleStartAsync(attempt);
            return Result(WorkOutcome.NotStarted, null, new CallError(e.Kind, e.Message), null, started, worker, stored);
        }
        catch (PythonWorkerExitedException e)
        {
            Drop(worker);
            var stored = await SettleStartAsync(attempt);
            if (drain.IsInterrupting && !attempt.Cancelled)
            {
                // Cut off by the silo's stop: handed back, not an attempt.
                return Result(WorkOutcome.Interrupted, null, FailureKinds.InterruptedByShutdown.Error("the silo stopped before the attempt ended"), null, attempt.Began ?? started, worker, stored);
            }

            if (!attempt.Cancelled) LogWorkerDied(item.Call.Id, e.Message);
            return Result(WorkOutcome.Crashed, null, new CallError(attempt.Cancelled ? FailureKinds.Cancelled.Name : e.Kind, e.Message), null, attempt.Began ?? started, worker, stored);
        }
    }

    // The process began the attempt (called on the thread reading its output): its start is stored now, held back
    // briefly by the call store so an attempt that ends at once is stored in one write with its end.
    private void OnBegan(Attempt attempt)
    {
        var now = time.GetUtcNow();
        var running = attempt.Item.Call with { Started = now, LeaseUntil = now + _options.LeaseDuration, Worker = WorkerName(attempt.Process) };
        var write = calls.StartAsync(running);
        lock (attempt)
        {
            attempt.Began = now;
            attempt.StartWrite = write;
            if (!attempt.Over)
            {
                attempt.Clocked = true;
                local.ExecutionBegan(now);
            }
        }

        // The row moved on (the call was cancelled, or taken up elsewhere): this attempt's end would be refused.
        write.ContinueWith(static (stored, state) =>
        {
            var attempt = (Attempt)state!;
            if (stored.IsCompletedSuccessfully && !stored.Result && !attempt.Withdrawn) attempt.TryCancel();
        }, attempt, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Ignore();
    }

    // Whether the attempt's start is stored once it ended: false when it never began or its start was still held
    // back (taken back now: the end is stored from queued in one write), null when the database failed.
    private async Task<bool?> SettleStartAsync(Attempt attempt)
    {
        Task<bool>? write;
        lock (attempt) write = attempt.StartWrite;
        if (write is null) return false;
        attempt.Withdrawn = true;
        if (calls.WithdrawStart(attempt.Item.Call.Id, attempt.Item.Call.Attempts)) return false;
        attempt.Withdrawn = false;

        try
        {
            return await write;
        }
        catch (Exception)
        {
            return null;
        }
    }

    // Renews the lease of each attempt running longer than a third of a lease (the socket gave it one when
    // it handed it over): a lease that lapses tells whoever takes the call up that the attempt is lost.
    private void RenewLeases(DateTimeOffset now)
    {
        foreach (var attempt in _attempts.Values)
        {
            DateTimeOffset? began;
            Task<bool>? start;
            lock (attempt)
            {
                began = attempt.Began;
                start = attempt.StartWrite;
            }

            // Only a start that is stored has a lease to renew.
            if (began is not { } started || start is not { IsCompletedSuccessfully: true, Result: true } || attempt.Renewing) continue;
            if ((attempt.Renewed ?? started) + (_options.LeaseDuration / 3) > now) continue;
            attempt.Renewing = true;
            _ = RenewAsync(attempt, now, now + _options.LeaseDuration);
        }
    }

    private async Task RenewAsync(Attempt attempt, DateTimeOffset now, DateTimeOffset until)
    {
        var running = attempt.Item.Call;
        try
        {
            if (await calls.RenewAsync(running, attempt.Item.Call.Attempts, until))
            {
                attempt.Renewed = now;
            }
            else if (_attempts.ContainsKey(running.Id))
            {
                // The row moved on (cancelled, or taken up elsewhere after a lapse): this attempt's result would be refused.
                await CancelAsync(running.Id);
            }
        }
        catch (Exception e)
        {
            LogLeaseNotRenewed(e, running.Id);
        }
        finally
        {
            attempt.Renewing = false;
        }
    }

    /// <inheritdoc />
    public Task YieldCoreAsync()
    {
        var now = time.GetUtcNow();
        if (_status.Running == 0 && (now - _lastUsed >= IdleEnoughToYield || now - _activated >= LongestHold)) DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private WorkResult Result(WorkOutcome outcome, string? result, CallError? error, string? output, DateTimeOffset started, PythonWorker? worker = null, bool? startStored = null) =>
        new(outcome, result, error, output, WorkerName(worker ?? _worker), started, time.GetUtcNow(), startStored);

    // host:port/pid, made once per process (read on the thread reading the process's output too: one reference, swapped whole).
    private string WorkerName(PythonWorker? worker)
    {
        if (_workerName is { } known && ReferenceEquals(known.Worker, worker)) return known.Name;
        var name = $"{_options.HostName}:{silo.SiloAddress.Endpoint.Port}/{worker?.ProcessId.ToString() ?? "-"}";
        _workerName = new NamedWorker(worker, name);
        return name;
    }

    private NamedWorker? _workerName;

    private sealed record NamedWorker(PythonWorker? Worker, string Name);

    // The worker key of the last deployment asked for: the same code, runtime, module and limits make the same key.
    private string KeyFor(CodeEnvironment environment, ProcessorDeployment deployment, WorkerLimits limits)
    {
        if (_workerKey is { } known && known.Environment == environment.Key && known.Runtime == deployment.Runtime && known.Module == deployment.Module && known.Limits == limits) return known.Key;
        var key = PythonWorker.KeyOf(environment, deployment.Runtime, deployment.Module, limits);
        _workerKey = new KeyedWorker(environment.Key, deployment.Runtime, deployment.Module, limits, key);
        return key;
    }

    private KeyedWorker? _workerKey;

    private sealed record KeyedWorker(string Environment, ProcessorRuntime Runtime, string Module, WorkerLimits Limits, string Key);

    // The worker for this deployment's code: the current one if it runs that code, else one from the pool
    // once the current one has ended what it was given (calls finish on the code they started with). One
    // rental at a time: a call written behind another waits for the same worker instead of starting a second.
    private async Task<PythonWorker> WorkerForAsync(ProcessorDeployment deployment)
    {
        var environment = await code.PrepareAsync(deployment);
        var limits = pool.LimitsFor(deployment.Memory);
        var key = KeyFor(environment, deployment, limits);
        while (true)
        {
            if (_worker is { HasExited: false } current && current.Key == key) return current;
            if (_renting is { } renting) await ((Task)renting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            else if (_worker is not null && !_lastOnWorker.IsCompleted) await _lastOnWorker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            else break;
        }

        if (_worker is not null) pool.Return(_worker);
        _worker = null;
        var rental = pool.RentAsync(environment, deployment.Runtime, deployment.Module, limits);
        _renting = rental;
        try
        {
            var rented = await rental;
            _status.Pid = rented.ProcessId;
            return _worker = rented;
        }
        finally
        {
            _renting = null;
        }
    }

    // A worker that timed out or died is not used again (nor given back to the pool).
    private void Drop(PythonWorker worker)
    {
        _ = worker.DisposeAsync().AsTask();
        if (ReferenceEquals(_worker, worker)) _worker = null;
    }

    private async Task CheckIdleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        RenewLeases(now);
        if (_status.Running == 0 && now - _lastUsed >= _options.SlotIdleTimeout)
        {
            DeactivateOnIdle();
            return;
        }

        // A ledger that restarted has forgotten this slot: claim it again, or give the core up if it is gone.
        if (now - _lastConfirmed >= ConfirmPeriod && !drain.IsStopping)
        {
            _lastConfirmed = now;
            var held = await GrainFactory.GetGrain<ISlotLedgerGrain>(0).ReserveAsync(this.GetGrainId(), [silo.SiloAddress]);
            if (held is null) DeactivateOnIdle();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lease of call {CallId} could not be renewed")]
    private partial void LogLeaseNotRenewed(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not ready the code for call {CallId}")]
    private partial void LogCannotStart(Exception exception, Guid callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Python worker died during call {CallId}: {Reason}")]
    private partial void LogWorkerDied(Guid callId, string reason);

    // One attempt in this slot, from handed over until it ended.
    private sealed class Attempt(WorkItem item)
    {
        public WorkItem Item { get; } = item;

        // When its process said it began it (set on the thread reading the process's output, under the attempt's lock).
        public DateTimeOffset? Began { get; set; }

        // Its start's write (see OnBegan), and whether it was taken back unwritten.
        public Task<bool>? StartWrite { get; set; }

        public volatile bool Withdrawn;

        public DateTimeOffset? Renewed { get; set; }

        public PythonWorker? Process { get; set; }

        // Under the attempt's lock: whether the silo's execution clock counts it, and whether it is over.
        public bool Clocked { get; set; }

        public bool Over { get; set; }

        public bool Renewing { get; set; }

        public bool Cancelled => Cancel.IsCancellationRequested;

        public CancellationTokenSource Cancel { get; } = new();

        public void TryCancel()
        {
            try
            {
                Cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It has ended.
            }
        }
    }
}
