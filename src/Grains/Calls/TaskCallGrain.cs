using Orleans.Placement;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Calls;

/// <summary>
/// One task call (see <see cref="ITaskCallGrain"/>). It writes its row through the <see cref="CallStore"/>
/// (group commit) rather than Orleans grain storage: a new call needs no read before its first write, and
/// the row's columns are what <c>pyfi ls calls</c> queries. Placed on the silo of the socket that created it.
/// </summary>
[PreferLocalPlacement]
public sealed class TaskCallGrain(CallStore store, TimeProvider time) : Grain, ITaskCallGrain
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(25);

    private readonly List<TaskCompletionSource<CallInfo>> _waiters = [];
    private CallInfo? _call;
    private int _version;
    private Task? _loading;

    /// <inheritdoc />
    public async Task CreateAsync(CallInfo call)
    {
        if (_call is not null) return;
        _version = await store.InsertAsync(call);
        _call = call;
        _loading = Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task MarkRunningAsync(int attempt, string worker, string commit, DateTimeOffset started)
    {
        if (_call is { } call && !call.State.IsFinal())
        {
            _call = call with { State = CallState.Running, Attempts = attempt, Worker = worker, Commit = commit, Started = started };
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<CallInfo> CompleteAsync(CallCompletion completion)
    {
        var call = await LoadAsync() ?? throw new NotFoundException("call", this.GetPrimaryKey().ToString());
        if (call.State.IsFinal()) return call;
        var ended = call with
        {
            State = completion.State,
            Attempts = completion.Attempts,
            Result = completion.Result,
            Error = completion.Error,
            Output = completion.Output,
            Commit = completion.Commit ?? call.Commit,
            Worker = completion.Worker ?? call.Worker,
            Started = completion.Started ?? call.Started,
            Finished = completion.Finished,
        };
        _version = await store.UpdateAsync(ended, _version);
        _call = ended;
        foreach (var waiter in _waiters) waiter.TrySetResult(ended);
        _waiters.Clear();
        Linger();
        return ended;
    }

    /// <inheritdoc />
    public async Task<CallInfo> GetAsync()
    {
        var call = await LoadAsync() ?? throw new NotFoundException("call", this.GetPrimaryKey().ToString());
        if (call.State.IsFinal()) Linger();
        return call;
    }

    /// <inheritdoc />
    public async Task<CallInfo> WaitAsync(TimeSpan timeout)
    {
        var call = await LoadAsync() ?? throw new NotFoundException("call", this.GetPrimaryKey().ToString());
        if (call.State.IsFinal())
        {
            Linger();
            return call;
        }

        var waiter = new TaskCompletionSource<CallInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Add(waiter);
        try
        {
            return await waiter.Task.WaitAsync(timeout < MaxWait ? timeout : MaxWait, time);
        }
        catch (TimeoutException)
        {
            return _call!;
        }
        finally
        {
            _waiters.Remove(waiter);
        }
    }

    private async Task<CallInfo?> LoadAsync()
    {
        _loading ??= LoadFromStoreAsync();
        await _loading;
        if (_call is null) DeactivateOnIdle();
        return _call;
    }

    private async Task LoadFromStoreAsync()
    {
        if (await store.ReadAsync(this.GetPrimaryKey()) is { } stored) (_call, _version) = stored;
    }

    // An ended call has nothing more to do in memory: whoever waited has its answer, and a later
    // question reads the row again. Thousands of calls a second must not pile up as activations.
    private void Linger() => DeactivateOnIdle();
}
