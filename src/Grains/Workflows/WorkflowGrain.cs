using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Pyfi.Grains.Storage;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Workflows;

/// <summary>
/// One workflow (see <see cref="IWorkflowGrain"/>). It stores its graph, then walks it: a call node is submitted
/// to its socket once its input is known (the input put before its bound arguments), a pipeline feeds each
/// result to the next node, a parallel runs its nodes at once and gives the list of their results, a funnel
/// gives that list to its final node. Each call is submitted with the workflow's id and a key naming its step,
/// so the walk can be replayed: after a restart or the loss of its silo, steps that ended give their stored
/// results and steps in flight are the same calls, not new ones. A reminder brings the workflow back while it
/// runs; the call sweeper brings it back at once when a silo is lost while its calls are open.
/// </summary>
public sealed partial class WorkflowGrain(
    [PersistentState("workflow", StorageNames.Model)] IPersistentState<WorkflowState> state,
    CallStore calls,
    TimeProvider time,
    ILogger<WorkflowGrain> logger)
    : Grain, IWorkflowGrain, IRemindable
{
    private const string Reminder = "flow";
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PublishPeriod = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FlowGraph? _graph;
    private StepRun[] _steps = [];
    private int _done;
    private (int Step, CallError Error)? _failure;
    private bool _cancelling;
    private IAsyncStream<FlowProgress>? _progress;
    private FlowStepInfo? _lastChange;
    private bool _publishing;
    private bool _unpublished;

    private Guid Id => this.GetPrimaryKey();

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
        _ = RunAsync();
    }

    /// <inheritdoc />
    public async Task<FlowInfo> StartAsync(FlowStep graph)
    {
        if (state.State.Graph is not null) return Info();
        var checkedGraph = FlowGraph.Of(graph);
        foreach (var socket in checkedGraph.Calls.Select(c => c.Socket!).Distinct(StringComparer.Ordinal))
        {
            if (await GrainFactory.GetGrain<ISocketGrain>(socket).GetDefinitionAsync() is null) throw new NotFoundException("socket", socket);
        }

        // Both stored before the answer (one after the other: on SQLite they share a file and its one writer).
        state.State = new WorkflowState { Graph = graph, Created = time.GetUtcNow(), State = FlowState.Running };
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Prepare(checkedGraph);
        _ = RunAsync();
        return Info();
    }

    /// <inheritdoc />
    public Task<FlowInfo> GetAsync() => Task.FromResult(Known());

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
        _steps = [.. graph.Calls.Select(_ => new StepRun())];
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

    private async Task RunAsync()
    {
        try
        {
            var result = await EvaluateAsync(_graph!.Root, null, _stop.Token);
            await EndAsync(FlowState.Succeeded, result.Json, null, null);
        }
        catch (Exception) when (_failure is { } failure)
        {
            await EndAsync(FlowState.Failed, null, failure.Error, failure.Step);
        }
        catch (OperationCanceledException) when (_cancelling)
        {
            // CancelAsync ends the workflow.
        }
        catch (Exception e)
        {
            // Not expected (transient failures are retried where they happen): start over from storage.
            LogWalkFailed(e, Id);
            DeactivateOnIdle();
        }
    }

    private async Task<Value> EvaluateAsync(FlowStep node, Value? input, CancellationToken cancellationToken)
    {
        switch (node.Kind)
        {
            case FlowStepKind.Call:
                return await RunStepAsync(_graph!.NumberOf(node), node, input, cancellationToken);
            case FlowStepKind.Pipeline:
                var value = input;
                foreach (var step in node.Steps) value = await EvaluateAsync(step, value, cancellationToken);
                return value!.Value;
            case FlowStepKind.Parallel:
                return await AllAsync(node.Steps, input, cancellationToken);
            default:
                var results = await AllAsync(node.Steps, input, cancellationToken);
                return await EvaluateAsync(node.Final!, results, cancellationToken);
        }
    }

    // Each step given the same input, at once; their results as one JSON list in their order. The list's
    // "parent" in the call graph is the last step's call.
    private async Task<Value> AllAsync(IReadOnlyList<FlowStep> steps, Value? input, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(steps.Select(step => EvaluateAsync(step, input, cancellationToken)));
        return new Value($"[{string.Join(',', results.Select(r => r.Json))}]", results[^1].From);
    }

    private async Task<Value> RunStepAsync(int number, FlowStep node, Value? input, CancellationToken cancellationToken)
    {
        var run = _steps[number];
        if (run.State == CallState.Succeeded) return new Value(run.Result ?? "null", run.Call);
        if (run.State is CallState.Failed or CallState.Cancelled) throw Fail(number, ErrorOf(run));
        cancellationToken.ThrowIfCancellationRequested();

        var request = new CallRequest
        {
            Socket = node.Socket!,
            Args = input is { } value ? Prepend(value.Json, node.Args) : node.Args,
            Kwargs = node.Kwargs,
            Parent = input?.From,
            Workflow = Id,
            Key = FlowGraph.KeyOf(Id, number),
        };
        var socket = GrainFactory.GetGrain<ISocketGrain>(node.Socket!);
        CallInfo call;
        try
        {
            call = await SubmitAsync(socket, request, cancellationToken);
            Record(number, call);
            while (!call.State.IsFinal())
            {
                var id = call.Id;
                call = await RetryingAsync(() => socket.WaitCallAsync(id, Slice), cancellationToken)
                    ?? throw new NotFoundException("call", id.ToString());
                Record(number, call);
            }
        }
        catch (PyfiException e)
        {
            // Not transient: the socket was removed, or the call's row is gone. The step fails with why.
            throw Fail(number, new CallError(e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal), e.Message));
        }

        if (call.State != CallState.Succeeded) throw Fail(number, ErrorOf(run));
        return new Value(call.Result ?? "null", call.Id);
    }

    // Returns once the socket has stored the call (not when it ends), so the workflow knows each call it has
    // in flight: a cancel reaches it, and progress shows it. Submitting may be given up when the workflow
    // stops; a submission that lands after a cancel is cancelled.
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
                _ = CancelWhenSubmittedAsync(submitted);
                throw;
            }
            catch (Exception e) when (IsTransient(e))
            {
                LogStepRetrying(e, Id, request.Socket);
                await Task.Delay(backoff, time, cancellationToken);
                backoff = Next(backoff);
            }
        }
    }

    private async Task CancelWhenSubmittedAsync(Task<CallInfo> submitted)
    {
        try
        {
            var call = await submitted;
            if (_cancelling && !call.State.IsFinal()) await GrainFactory.GetGrain<ITaskCallGrain>(call.Id).CancelAsync();
        }
        catch (Exception e) when (e is PyfiException or TimeoutException or OrleansException)
        {
            // Not submitted after all, or ended meanwhile.
        }
    }

    private async Task<T> RetryingAsync<T>(Func<Task<T>> attempt, CancellationToken cancellationToken)
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
                await Task.Delay(backoff, time, cancellationToken);
                backoff = Next(backoff);
            }
        }
    }

    // Retries of a step's submission, a wait or the end's write: doubling from FirstBackoff up to LastBackoff.
    private static TimeSpan Next(TimeSpan backoff) => backoff * 2 < LastBackoff ? backoff * 2 : LastBackoff;

    private static bool IsTransient(Exception e) =>
        e is StorageUnavailableException or QueueFullException or NoCapacityException or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException;

    private Exception Fail(int number, CallError error)
    {
        _failure ??= (number, error);
        _stop.Cancel();
        return new OperationCanceledException($"step {number} failed");
    }

    private static CallError ErrorOf(StepRun run) =>
        run.Error ?? new CallError(run.State == CallState.Cancelled ? "Cancelled" : "Failed", $"the call {run.Call} {run.State?.ToString().ToLowerInvariant()}");

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

    private async Task CancelOpenStepsAsync()
    {
        foreach (var run in _steps.Where(s => s.Call is not null && s.State?.IsFinal() != true).ToList())
        {
            try
            {
                var cancelled = await GrainFactory.GetGrain<ITaskCallGrain>(run.Call!.Value).CancelAsync();
                run.State = cancelled.State;
            }
            catch (CallEndedException)
            {
                // It ended first.
            }
            catch (Exception e) when (e is PyfiException or TimeoutException or OrleansException)
            {
                LogCancelFailed(e, Id, run.Call!.Value);
            }
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
            while (_unpublished && _progress is not null)
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

    // A node's result (JSON text) and the call it came from (the parent of the calls it feeds).
    private readonly record struct Value(string Json, Guid? From);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow}: submitting a step to {Socket} failed; trying again")]
    private partial void LogStepRetrying(Exception exception, Guid flow, string socket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow}: its end could not be stored; trying again")]
    private partial void LogStorageFailed(Exception exception, Guid flow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Flow}: call {Call} could not be cancelled")]
    private partial void LogCancelFailed(Exception exception, Guid flow, Guid call);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow {Flow} stopped unexpectedly; it is taken up again from storage")]
    private partial void LogWalkFailed(Exception exception, Guid flow);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workflow {Flow}: progress could not be published")]
    private partial void LogPublishFailed(Exception exception, Guid flow);
}
