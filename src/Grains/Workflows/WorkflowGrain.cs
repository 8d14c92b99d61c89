using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Pyfi.Grains.Storage;
using Pyfi.Grains.Telemetry;
using Pyfi.Grains.Workers;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Workflows;

// Long on purpose: the walk (FlowWalk), the window of steps in flight (StepWindow) and the graph (FlowGraph) are
// plain classes; what stays is one activation's state: its API, submitting and waiting on steps, and storing its end.
/// <summary>
/// One workflow (see <see cref="IWorkflowGrain"/>). It stores its graph, then walks it (<see cref="FlowWalk"/>):
/// a call node is submitted to its socket once its input is known (the input put before its bound arguments),
/// a pipeline feeds each result to the next node, a parallel runs its nodes at once and gives the list of their
/// results, a funnel gives that list to its final node. Ready steps are submitted through a window
/// (<see cref="StepWindow"/>): at most <see cref="MaxStepsInFlight"/> submitted and not ended, and never more on
/// a socket than its queue takes, so a parallel of 100,000 calls is a steady stream, not 100,000 grain calls at
/// once. The walk runs beside the grain's requests, not inside one, so reading, watching and cancelling the
/// workflow are answered while it runs. Each call is submitted with the workflow's id and a key naming its step,
/// so the walk can be replayed: after a restart or the loss of its silo, steps that ended give their stored
/// results and steps in flight are the same calls, not new ones. A reminder brings the workflow back while it
/// runs; the call sweeper brings it back at once when a silo is lost while its calls are open.
/// </summary>
public sealed partial class WorkflowGrain(
    [PersistentState("workflow", StorageNames.Model)] IPersistentState<WorkflowState> state,
    CallStore calls,
    SiloDrain drain,
    TimeProvider time,
    ILogger<WorkflowGrain> logger)
    : Grain, IWorkflowGrain, IRemindable
{
    /// <summary>
    /// Steps of one workflow submitted and not ended at a time. Enough to keep sockets' slots busy and their
    /// writes grouped (a commit takes up to 512 writes); few enough that their waits are a small, steady load.
    /// </summary>
    public const int MaxStepsInFlight = 1_000;

    // Cancelling the steps not ended: this many at a time.
    private const int CancelBatch = 250;

    private const string Reminder = "flow";
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(25);

    // A step's wait at its socket is asked again after this long. A wait is a request the socket holds, and a
    // silo stopping waits for the requests its activations hold: short slices let it stop in seconds with a
    // thousand steps waiting, for one cheap question per step every few seconds while a step is long.
    private static readonly TimeSpan StepWaitSlice = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PublishPeriod = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryLogPeriod = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StepWindow _window = new(MaxStepsInFlight);
    private LogThrottle? _retries;
    private LogThrottle? _queueFull;
    private FlowGraph? _graph;
    private FlowWalk? _walk;
    private StepRun[] _steps = [];
    private int _done;
    private (int Step, CallError Error)? _failure;
    private bool _cancelling;
    private bool _succeeding;
    private IAsyncStream<FlowProgress>? _progress;
    private FlowStepInfo? _lastChange;
    private bool _publishing;
    private bool _unpublished;

    private Guid Id => this.GetPrimaryKey();

    // Retries of submissions and waits (the database away, a silo leaving): one line per period, with how many.
    private LogThrottle Retries => _retries ??= new LogThrottle(time, RetryLogPeriod);

    private LogThrottle QueueFull => _queueFull ??= new LogThrottle(time, RetryLogPeriod);

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Graph is not { } graph) return;
        Prepare(FlowGraph.Of(graph));
        await LoadStepsAsync();
        if (state.State.State.IsFinal())
        {
            _ended.TrySetResult();
            // A cancelled workflow taken up again (by the sweeper: it has calls open) cancels what it left open.
            if (state.State.State == FlowState.Cancelled && _steps.Any(s => s.Call is not null && s.State?.IsFinal() != true)) _ = CancelOpenStepsAsync();
            return;
        }

        LogTakenUp(Id, _done, _steps.Length);
        _ = WalkAsync(null);
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The silo stops or the activation moves: the walk stops submitting and waiting (its steps' calls go on
        // in their sockets), and the next activation replays it from the calls.
        _stop.Cancel();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<FlowInfo> StartAsync(FlowStep graph)
    {
        if (state.State.Graph is not null) return Info();
        var checkedGraph = FlowGraph.Of(graph);
        var bounds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var socket in checkedGraph.Calls.Select(c => c.Socket!).Distinct(StringComparer.Ordinal))
        {
            var definition = await GrainFactory.GetGrain<ISocketGrain>(socket).GetDefinitionAsync() ?? throw new NotFoundException("socket", socket);
            bounds[socket] = definition.Spec.MaxQueued;
        }

        // Both stored before the answer (one after the other: on SQLite they share a file and its one writer).
        state.State = new WorkflowState { Graph = graph, Created = time.GetUtcNow(), State = FlowState.Running };
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Prepare(checkedGraph);
        _ = WalkAsync(bounds);
        return Info();
    }

    /// <inheritdoc />
    public Task<FlowInfo> GetAsync() => Task.FromResult(Known());

    /// <inheritdoc />
    public Task<FlowProgress> GetProgressAsync()
    {
        if (state.State.Graph is null) Known();
        return Task.FromResult(new FlowProgress(Id, state.State.State, _done, _steps.Length, null));
    }

    /// <inheritdoc />
    public Task<FlowSummary> GetSummaryAsync()
    {
        var known = state.State.Graph is null ? Known() : null;
        var failed = state.State.FailedStep is { } n && n < _steps.Length ? new FlowStepInfo(n, _graph!.Calls[n].Socket!, _steps[n].Call, _steps[n].State) : null;
        return Task.FromResult(new FlowSummary(Id, state.State.State, state.State.Result, state.State.Error, failed, _done, _steps.Length));
    }

    /// <inheritdoc />
    public async Task<FlowInfo> WaitAsync(TimeSpan timeout)
    {
        var info = Known();
        if (info.State.IsFinal()) return info;
        try
        {
            await _ended.Task.WaitAsync(timeout < Slice ? timeout : Slice, time);
        }
        catch (TimeoutException)
        {
        }

        return Info();
    }

    /// <inheritdoc />
    public async Task<FlowInfo> CancelAsync()
    {
        if (Known().State.IsFinal()) return Info();
        // Stored first: a silo lost from here on leaves a cancelled workflow, which cancels its open calls when taken up.
        _cancelling = true;
        await _stop.CancelAsync();
        await EndAsync(FlowState.Cancelled, null, null, null);
        await CancelOpenStepsAsync();
        return Info();
    }

    /// <inheritdoc />
    public Task ResumeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation took the workflow up; once it has ended the reminder is not needed.
        if (reminderName == Reminder && (state.State.Graph is null || state.State.State.IsFinal())) await ForgetReminderAsync();
    }

    private void Prepare(FlowGraph graph)
    {
        _graph = graph;
        _walk = new FlowWalk(graph);
        _steps = new StepRun[graph.Calls.Count];
        for (var i = 0; i < _steps.Length; i++) _steps[i] = new StepRun();
        _progress = this.GetStreamProvider(FlowStreams.Provider).GetStream<FlowProgress>(StreamId.Create(FlowStreams.Namespace, Id));
    }

    // What the calls table knows of this workflow's steps: the calls submitted, and how those that ended ended.
    private async Task LoadStepsAsync()
    {
        foreach (var call in await calls.ListByWorkflowAsync(Id))
        {
            if (FlowGraph.StepOf(Id, call.Key) is not { } number || number >= _steps.Length) continue;
            Record(number, call);
        }
    }

    // Starts the walk once the sockets' queue bounds are known (given by StartAsync, else asked here).
    private async Task WalkAsync(Dictionary<string, int>? bounds)
    {
        // StartAsync answers first; the walk goes on beside the grain's requests.
        await Task.Yield();
        try
        {
            bounds ??= await BoundsAsync(_stop.Token);
            foreach (var (socket, maxQueued) in bounds) _window.Bound(socket, maxQueued);
            _walk!.Start();
            Pump();
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Cancelled, or deactivating, before the walk began.
        }
        catch (Exception e)
        {
            Broke(e);
        }
    }

    private async Task<Dictionary<string, int>> BoundsAsync(CancellationToken cancellationToken)
    {
        var bounds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var socket in _graph!.Calls.Select(c => c.Socket!).Distinct(StringComparer.Ordinal))
        {
            // A socket that is gone has no bound; its step fails when it is submitted.
            var definition = await RetryingAsync(() => GrainFactory.GetGrain<ISocketGrain>(socket).GetDefinitionAsync(), socket, cancellationToken);
            if (definition is not null) bounds[socket] = definition.Spec.MaxQueued;
        }

        return bounds;
    }

    // Moves the walk on: steps made ready whose end is already known (a replay) are taken at once, the others
    // wait in the window; as many as it has room for are submitted. Called again as each step ends.
    private void Pump()
    {
        if (_stop.IsCancellationRequested || _walk is null) return;
        while (_walk.TryTakeReady(out var number))
        {
            var run = _steps[number];
            if (run.State == CallState.Succeeded)
            {
                _walk.Succeeded(number, new StepValue(run.Result ?? "null", run.Call));
                continue;
            }

            if (run.State is CallState.Failed or CallState.Cancelled)
            {
                Fail(number, ErrorOf(run));
                return;
            }

            _window.Add(number, _graph!.Calls[number].Socket!);
        }

        while (_window.TryTake(out var step)) _ = RunStepAsync(step);

        if (_walk.Result is { } result && !_succeeding)
        {
            _succeeding = true;
            _ = FinishAsync(FlowState.Succeeded, result.Json, null, null);
        }
    }

    // One step: submitted (a step already submitted is the same call: its key names it), then waited for until
    // it ends; the socket answers a wait when the call ends. Its end moves the walk on.
    private async Task RunStepAsync(int number)
    {
        var node = _graph!.Calls[number];
        var socketName = node.Socket!;
        var input = _walk!.InputOf(number);
        var cancellationToken = _stop.Token;
        var request = new CallRequest
        {
            Socket = socketName,
            Args = input is { } value ? Prepend(value.Json, node.Args) : node.Args,
            Kwargs = node.Kwargs,
            Parent = input?.From,
            Workflow = Id,
            Key = FlowGraph.KeyOf(Id, number),
        };
        var socket = GrainFactory.GetGrain<ISocketGrain>(socketName);
        CallInfo call;
        try
        {
            call = await SubmitAsync(socket, request, cancellationToken);
            Record(number, call);
            while (!call.State.IsFinal())
            {
                var id = call.Id;
                call = await RetryingAsync(() => socket.WaitCallAsync(id, StepWaitSlice), socketName, cancellationToken)
                    ?? throw new NotFoundException("call", id.ToString());
                Record(number, call);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The walk stopped: cancelled, failed at another step, or this activation is going away.
            return;
        }
        catch (PyfiException e)
        {
            // Not transient: the socket was removed, or the call's row is gone. The step fails with why.
            Fail(number, new CallError(e.ErrorKind, e.Message));
            return;
        }
        catch (Exception e)
        {
            Broke(e);
            return;
        }

        _window.Ended(socketName);
        if (call.State != CallState.Succeeded)
        {
            Fail(number, ErrorOf(_steps[number]));
            return;
        }

        _walk.Succeeded(number, new StepValue(call.Result ?? "null", call.Id));
        Pump();
    }

    // Returns once the socket has stored the call (not when it ends), so the workflow knows each call it has
    // in flight: a cancel reaches it, and progress shows it. A socket whose queue is full is waited for (and
    // gets fewer of this workflow's steps); submitting may be given up when the workflow stops, and a
    // submission that lands after a cancel is cancelled.
    private async Task<CallInfo> SubmitAsync(ISocketGrain socket, CallRequest request, CancellationToken cancellationToken)
    {
        var backoff = FirstBackoff;
        while (true)
        {
            var submitted = socket.RunAsync(request, TimeSpan.Zero);
            try
            {
                return await submitted.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _ = CancelWhenSubmittedAsync(submitted, request.Key!);
                throw;
            }
            catch (QueueFullException e)
            {
                _window.Refused(request.Socket);
                if (QueueFull.TryEnter(out var held)) LogQueueFull(Id, request.Socket, held + 1, e.Message);
            }
            catch (Exception e) when (IsTransient(e))
            {
                if (Retries.TryEnter(out var held)) LogStepsRetrying(e, Id, request.Socket, held + 1);
            }

            await Task.Delay(backoff, time, cancellationToken);
            backoff = Next(backoff);
        }
    }

    private async Task CancelWhenSubmittedAsync(Task<CallInfo> submitted, string key)
    {
        try
        {
            var call = await submitted;
            if (FlowGraph.StepOf(Id, key) is { } number) Record(number, call);
            if (!_cancelling || call.State.IsFinal()) return;
            var cancelled = await GrainFactory.GetGrain<ISocketGrain>(SocketPartitions.KeyOf(call)).CancelAsync(call.Id);
            if (FlowGraph.StepOf(Id, key) is { } step) Record(step, cancelled);
        }
        catch (Exception e) when (e is PyfiException or TimeoutException or OrleansException)
        {
            // Not submitted after all, or ended meanwhile.
        }
    }

    private async Task<T> RetryingAsync<T>(Func<Task<T>> attempt, string socket, CancellationToken cancellationToken)
    {
        var backoff = FirstBackoff;
        while (true)
        {
            try
            {
                return await attempt().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (Retries.TryEnter(out var held)) LogStepsRetrying(e, Id, socket, held + 1);
                await Task.Delay(backoff, time, cancellationToken);
                backoff = Next(backoff);
            }
        }
    }

    // Retries of a step's submission, a wait or the end's write: doubling from FirstBackoff up to LastBackoff.
    private static TimeSpan Next(TimeSpan backoff) => backoff * 2 < LastBackoff ? backoff * 2 : LastBackoff;

    private static bool IsTransient(Exception e) =>
        e is StorageUnavailableException or QueueFullException or NoCapacityException or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException;

    // A step failed after its attempts (or could not be submitted): the workflow fails with its error, and
    // nothing more is submitted; steps already submitted finish on their own.
    private void Fail(int number, CallError error)
    {
        if (_failure is not null || _cancelling || state.State.State.IsFinal()) return;
        _failure = (number, error);
        _stop.Cancel();
        _ = FinishAsync(FlowState.Failed, null, error, number);
    }

    private async Task FinishAsync(FlowState end, string? result, CallError? error, int? failedStep)
    {
        try
        {
            await EndAsync(end, result, error, failedStep);
        }
        catch (Exception e)
        {
            Broke(e);
        }
    }

    // Not expected (transient failures are retried where they happen): the walk stops and the workflow starts
    // over from storage.
    private void Broke(Exception e)
    {
        if (_stop.IsCancellationRequested && e is OperationCanceledException) return;
        // A stopping silo's walks break as the cluster goes from under them (a socket's silo left, the database is
        // closing): expected, and the workflow is taken up again from storage on the next start.
        if (drain.IsStopping) LogStoppedWithSilo(Id, e.Message.Split('\n')[0]);
        else LogWalkFailed(e, Id);
        _stop.Cancel();
        DeactivateOnIdle();
    }

    private static CallError ErrorOf(StepRun run) =>
        run.Error ?? new CallError(run.State == CallState.Cancelled ? FailureKinds.Cancelled.Name : "Failed", $"the call {run.Call} {run.State?.ToString().ToLowerInvariant()}");

    // As text, not a tree: a result may nest deeper than a tree is read here. The arguments are a JSON array
    // (FlowGraph checked them); the socket refuses them with why if the input made them too deep or too large.
    private static string Prepend(string input, string args)
    {
        var inner = args.AsSpan().Trim()[1..^1].Trim();
        return inner.IsEmpty ? $"[{input}]" : $"[{input},{inner}]";
    }

    private void Record(int number, CallInfo call)
    {
        var run = _steps[number];
        var wasEnded = run.State?.IsFinal() == true;
        run.Call = call.Id;
        run.State = call.State;
        run.Result = call.Result;
        run.Error = call.Error;
        if (!wasEnded && call.State.IsFinal()) _done++;
        Changed(new FlowStepInfo(number, call.Socket, call.Id, call.State));
    }

    private async Task EndAsync(FlowState end, string? result, CallError? error, int? failedStep)
    {
        if (state.State.State.IsFinal()) return;
        state.State.State = end;
        state.State.Ended = time.GetUtcNow();
        state.State.Result = result;
        state.State.Error = error;
        state.State.FailedStep = failedStep;

        // Waiters hear of the end before it is stored: what it says is already durable in its calls (a
        // workflow taken up again before this write lands walks to the same end), except a cancel, stored first.
        if (end != FlowState.Cancelled) Ended(end, error, failedStep);
        for (var backoff = FirstBackoff; ; backoff = Next(backoff))
        {
            try
            {
                await state.WriteStateAsync();
                break;
            }
            catch (StorageUnavailableException e)
            {
                // The end is kept here and written when the database is back; waiters hear of it then.
                LogStorageFailed(e, Id);
                await Task.Delay(backoff, time);
            }
        }

        if (end == FlowState.Cancelled) Ended(end, error, failedStep);
        await ForgetReminderAsync();
    }

    private void Ended(FlowState end, CallError? error, int? failedStep)
    {
        _ended.TrySetResult();
        if (end == FlowState.Failed) LogFailed(Id, failedStep, error?.ToString());
        Changed(null);
    }

    // The steps not ended are cancelled at their sockets, a batch at a time (at most the window's worth are open).
    private async Task CancelOpenStepsAsync()
    {
        var open = new List<int>();
        for (var i = 0; i < _steps.Length; i++)
        {
            if (_steps[i].Call is not null && _steps[i].State?.IsFinal() != true) open.Add(i);
        }

        foreach (var batch in open.Chunk(CancelBatch)) await Task.WhenAll(batch.Select(CancelStepAsync));
    }

    private async Task CancelStepAsync(int number)
    {
        var run = _steps[number];
        var call = run.Call!.Value;
        try
        {
            var cancelled = await GrainFactory.GetGrain<ISocketGrain>(_graph!.Calls[number].Socket!).CancelAsync(call);
            Record(number, cancelled);
        }
        catch (CallEndedException)
        {
            // It ended first.
        }
        catch (Exception e) when (e is PyfiException or TimeoutException or OrleansException)
        {
            LogCancelFailed(e, Id, call);
        }
    }

    private async Task ForgetReminderAsync()
    {
        try
        {
            if (await this.GetReminder(Reminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or StorageUnavailableException)
        {
            // The next tick finds the workflow ended and tries again.
        }
    }

    // Progress is pushed on the workflow's stream, coalesced: the first change at once, then at most one
    // publication per PublishPeriod carrying the newest counts, so a funnel of thousands does not queue
    // thousands of stream messages, and a fast pipeline does not pay a stream message per step.
    private void Changed(FlowStepInfo? step)
    {
        _lastChange = step ?? _lastChange;
        _unpublished = true;
        if (!_publishing) _ = PublishAsync();
    }

    private async Task PublishAsync()
    {
        _publishing = true;
        try
        {
            // Not while the silo stops: the stream's queue grain may already have no silo to live on, and Orleans logs each
            // failed placement at warn; a watcher polls the ended or restarted workflow anyway.
            while (_unpublished && _progress is not null && !drain.IsStopping)
            {
                _unpublished = false;
                try
                {
                    await _progress.OnNextAsync(new FlowProgress(Id, state.State.State, _done, _steps.Length, _lastChange));
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    // Watchers also poll; a lost progress message delays them, it does not mislead them.
                    LogPublishFailed(e, Id);
                }

                if (!state.State.State.IsFinal()) await Task.Delay(PublishPeriod, time);
            }
        }
        finally
        {
            _publishing = false;
        }
    }

    private FlowInfo Known()
    {
        if (state.State.Graph is not null) return Info();
        DeactivateOnIdle();
        throw new NotFoundException("workflow", Id.ToString());
    }

    private FlowInfo Info() => new()
    {
        Id = Id,
        State = state.State.State,
        Graph = state.State.Graph!,
        Created = state.State.Created,
        Ended = state.State.Ended,
        Result = state.State.Result,
        Error = state.State.Error,
        FailedStep = state.State.FailedStep,
        Done = _done,
        Total = _steps.Length,
        Steps = [.. _steps.Select((run, i) => new FlowStepInfo(i, _graph!.Calls[i].Socket!, run.Call, run.State))],
    };

    private sealed class StepRun
    {
        public Guid? Call { get; set; }

        public CallState? State { get; set; }

        public string? Result { get; set; }

        public CallError? Error { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {Flow} taken up again: {Done} of {Total} steps ended")]
    private partial void LogTakenUp(Guid flow, int done, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {Flow} failed at step {Step}: {Error}")]
    private partial void LogFailed(Guid flow, int? step, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow}: submitting or waiting for steps on {Socket} failed ({Count} times since the last such line); trying again")]
    private partial void LogStepsRetrying(Exception exception, Guid flow, string socket, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {Flow}: socket {Socket} refused steps {Count} times since the last such line ({Reason}); fewer are sent until its calls end")]
    private partial void LogQueueFull(Guid flow, string socket, long count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow}: its end could not be stored; trying again")]
    private partial void LogStorageFailed(Exception exception, Guid flow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow}: call {Call} could not be cancelled")]
    private partial void LogCancelFailed(Exception exception, Guid flow, Guid call);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow {Flow} stopped unexpectedly; it is taken up again from storage")]
    private partial void LogWalkFailed(Exception exception, Guid flow);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workflow {Flow} stopped with its silo ({Reason}); it is taken up again from storage")]
    private partial void LogStoppedWithSilo(Guid flow, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workflow {Flow}: progress could not be published")]
    private partial void LogPublishFailed(Exception exception, Guid flow);
}
