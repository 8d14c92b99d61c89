using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Streams;
using Pyfi.Client.Calls;
using Pyfi.Client.Sockets;

namespace Pyfi.Client.Workflows;

/// <summary>
/// A workflow running in the network (see <see cref="PyfiClient.StartAsync"/>). It runs whether or not this
/// handle is kept: any client can take it up again by id (<see cref="PyfiClient.Flow(Guid)"/>) to wait for its
/// result, watch its progress or cancel it. Every operation rides through changes of the cluster (<see cref="PyfiRetry"/>).
/// </summary>
public sealed class PyfiFlow
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(2);
    private readonly IGrainFactory _grains;
    private readonly IClusterClient? _cluster;
    private readonly PyfiRetry _retry;

    /// <summary>
    /// A handle on workflow <paramref name="id"/> through <paramref name="grains"/> (an Orleans client, or a grain factory
    /// inside a silo), retrying through cluster changes with <paramref name="retry"/> (default <see cref="PyfiRetry.Default"/>).
    /// Through an Orleans client, <see cref="WatchAsync"/> hears progress on the workflow's stream; otherwise it asks every two seconds.
    /// </summary>
    public PyfiFlow(IGrainFactory grains, Guid id, PyfiRetry? retry = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
        _cluster = grains as IClusterClient;
        _retry = retry ?? PyfiRetry.Default;
        Id = id;
    }

    /// <summary>The workflow's id.</summary>
    public Guid Id { get; }

    private IWorkflowGrain Grain => _grains.GetGrain<IWorkflowGrain>(Id);

    /// <summary>The workflow as it is now: state, steps done, each step. Throws <see cref="NotFoundException"/> for an unknown id.</summary>
    public Task<FlowInfo> InfoAsync(CancellationToken cancellationToken = default)
    {
        var grain = Grain;
        return _retry.RunAsync(_ => grain.GetAsync(), cancellationToken);
    }

    /// <summary>The workflow as it is now without its graph and steps: cheap whatever its size.</summary>
    public Task<FlowSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        var grain = Grain;
        return _retry.RunAsync(token => grain.GetSummaryAsync().WaitAsync(token), cancellationToken);
    }

    // Where the workflow is (state and counts), retried like every read.
    private Task<FlowProgress> ProgressAsync(CancellationToken cancellationToken)
    {
        var grain = Grain;
        return _retry.RunAsync(token => grain.GetProgressAsync().WaitAsync(token), cancellationToken);
    }

    /// <summary>
    /// Waits for the workflow to end and returns its result as <typeparamref name="TResult"/>. Throws
    /// <see cref="PyfiFlowFailedException"/> when it failed or was cancelled, <see cref="TimeoutException"/> when
    /// <paramref name="timeout"/> passes first (the workflow goes on), and <see cref="PyfiTypeMismatchException"/>
    /// when the result is not a <typeparamref name="TResult"/>. <paramref name="cancellationToken"/> stops the waiting, not the workflow.
    /// </summary>
    [RequiresUnreferencedCode(Json.Reflection)]
    [RequiresDynamicCode(Json.Reflection)]
    public async Task<TResult> GetAsync<TResult>(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var info = await EndedAsync(timeout, cancellationToken);
        if (info.State != FlowState.Succeeded) throw new PyfiFlowFailedException(info);
        return Json.Result<TResult>($"workflow {Id}", info.Result ?? "null");
    }

    /// <summary>Waits for the workflow to end, however it ends, and returns it (see <see cref="GetAsync{TResult}"/> for the timeout).</summary>
    public async Task<FlowInfo> EndedAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var deadline = timeout is { } t ? new CancellationTokenSource(t, _retry.Time) : null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline?.Token ?? CancellationToken.None);
        var grain = Grain;
        try
        {
            // Each wait is answered by the workflow the moment it ends; one grain call waits at most a slice.
            var info = await InfoAsync(limit.Token);
            while (!info.State.IsFinal()) info = await _retry.RunAsync(token => grain.WaitAsync(PyfiCall.Slice).WaitAsync(token), limit.Token);
            return info;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"workflow {Id} did not end within {timeout}; it goes on in the network");
        }
    }

    /// <summary>Cancels the workflow: no step starts after this and the steps not ended are cancelled. Returns it as it ended.</summary>
    public Task<FlowInfo> CancelAsync(CancellationToken cancellationToken = default)
    {
        var grain = Grain;
        return _retry.RunAsync(token => grain.CancelAsync().WaitAsync(token), cancellationToken);
    }

    /// <summary>
    /// The workflow's progress as it happens, from where it is now until it ends: pushed by the workflow on its
    /// Orleans stream, and asked of it every two seconds as well, so a message lost with a silo only delays
    /// the next one. Steps done never go back; the last item has the workflow's end state.
    /// </summary>
    public async IAsyncEnumerable<FlowProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = Channel.CreateUnbounded<FlowProgress>(new UnboundedChannelOptions { SingleReader = true });
        // Where it is now comes first, before subscribing (which can take a moment the first time).
        // Counts only: a large workflow's whole record (every step) is for those who ask for it.
        updates.Writer.TryWrite(await ProgressAsync(cancellationToken));
        var subscription = _cluster is null ? null : await _retry.RunAsync(_ => _cluster.GetStreamProvider(FlowStreams.Provider)
            .GetStream<FlowProgress>(StreamId.Create(FlowStreams.Namespace, Id))
            .SubscribeAsync((progress, _) =>
            {
                updates.Writer.TryWrite(progress);
                return Task.CompletedTask;
            }), cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var polling = PollAsync(updates.Writer, stop.Token);
        try
        {
            FlowProgress? last = null;
            await foreach (var progress in updates.Reader.ReadAllAsync(cancellationToken))
            {
                if (last is not null && progress.Done < last.Done && !progress.State.IsFinal()) continue;
                if (last is not null && progress.Done == last.Done && progress.State == last.State && progress.Step == last.Step) continue;
                last = progress;
                yield return progress;
                if (progress.State.IsFinal()) yield break;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await polling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                if (subscription is not null) await subscription.UnsubscribeAsync();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The subscription lived on a silo that is gone.
            }
        }
    }

    private async Task PollAsync(ChannelWriter<FlowProgress> updates, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                updates.TryWrite(await ProgressAsync(cancellationToken));
                await Task.Delay(PollPeriod, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            updates.TryComplete(e);
        }
    }
}

/// <summary>A workflow that did not succeed: a step failed after its attempts (the error is that step's), or it was cancelled.</summary>
public sealed class PyfiFlowFailedException(FlowInfo flow)
    : PyfiException(flow.State == FlowState.Cancelled
        ? $"workflow {flow.Id} was cancelled"
        : $"workflow {flow.Id} failed at step {flow.FailedStep} ({StepSocket(flow)}): {flow.Error?.ToString() ?? "no error recorded"}")
{
    /// <summary>The workflow as it ended.</summary>
    public FlowInfo Flow { get; } = flow;

    /// <summary>The failing step's Python traceback, when it was a Python exception.</summary>
    public string? PythonTraceback => Flow.Error?.Traceback;

    private static string StepSocket(FlowInfo flow) =>
        flow.FailedStep is { } step && step < flow.Steps.Length ? flow.Steps[step].Socket : "?";
}
