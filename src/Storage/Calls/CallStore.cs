using System.Threading.Channels;
using Pyfi.Protocol;

namespace Pyfi.Storage.Calls;

/// <summary>
/// Where task calls are kept: one row per call in <c>PyfiCalls</c>. Writes are group-committed: every write
/// waiting when a transaction starts goes into it, and each caller's task completes only once that
/// transaction has committed. Durability is the same as one transaction per write; the cost of a commit is
/// shared by all the calls in it. A change to a stored call is a guarded transition: it names the state and
/// attempt it expects, and changes nothing when the row has moved on (another attempt, a cancel, an end).
/// </summary>
public abstract class CallStore : IAsyncDisposable
{
    /// <summary>Most writes one transaction takes.</summary>
    protected const int MaxBatch = 512;

    private readonly Channel<CallWrite> _writes = Channel.CreateUnbounded<CallWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;

    /// <summary>Starts the writer.</summary>
    protected CallStore(string serviceId)
    {
        ServiceId = serviceId;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The service whose calls these are.</summary>
    protected string ServiceId { get; }

    /// <summary>A store on <paramref name="database"/> for <paramref name="serviceId"/>.</summary>
    public static CallStore Create(PyfiDatabase database, string serviceId) => database.Provider == StorageProvider.Sqlite
        ? new SqliteCallStore(database, serviceId)
        : new PostgresCallStore(database, serviceId);

    /// <summary>
    /// Stores a new call; completes once durable. <see langword="false"/> when a call with its id, or with its
    /// socket and key, is already stored (nothing was written). Throws <see cref="StorageUnavailableException"/>
    /// when the database fails.
    /// </summary>
    public Task<bool> InsertAsync(CallInfo call) => EnqueueAsync(new CallWrite(CallWriteKind.Insert, call, default, 0));

    /// <summary>
    /// Replaces the stored call with <paramref name="next"/> if the row is in state <paramref name="from"/> at
    /// attempt <paramref name="fromAttempt"/>; completes once durable with whether it was.
    /// </summary>
    public Task<bool> TransitionAsync(CallInfo next, CallState from, int fromAttempt) =>
        EnqueueAsync(new CallWrite(CallWriteKind.Transition, next, from, fromAttempt));

    /// <summary>
    /// Stores that attempt <paramref name="running"/>.Attempts has started, without hurrying: the write waits up
    /// to <see cref="StartDeferral"/> for other writes to share its transaction, and if the attempt's end comes
    /// meanwhile the two become one write (a short attempt costs one row write, not two, and adds no commit
    /// to its call's latency). Completes with whether it was stored (or folded into its end).
    /// </summary>
    public Task<bool> StartAsync(CallInfo running) =>
        EnqueueAsync(new CallWrite(CallWriteKind.Transition, running, CallState.Queued, running.Attempts - 1) { Deferrable = true });

    /// <summary>How long a start waits for company (see <see cref="StartAsync"/>).</summary>
    public static TimeSpan StartDeferral { get; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Extends the lease of attempt <paramref name="attempt"/> of <paramref name="call"/> if it is still running.</summary>
    public Task<bool> RenewAsync(CallInfo call, int attempt, DateTimeOffset leaseUntil) =>
        EnqueueAsync(new CallWrite(CallWriteKind.Renew, call with { LeaseUntil = leaseUntil }, CallState.Running, attempt));

    /// <summary>The stored call, or <see langword="null"/>.</summary>
    public abstract Task<CallInfo?> ReadAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The call of <paramref name="socket"/> submitted with <paramref name="key"/>, or <see langword="null"/>.</summary>
    public abstract Task<CallInfo?> FindByKeyAsync(string socket, string key, CancellationToken cancellationToken = default);

    /// <summary>Calls of <paramref name="socket"/> in one of <paramref name="states"/>, oldest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default);

    /// <summary>The sockets that have calls not ended (queued or running) in storage.</summary>
    public abstract Task<IReadOnlyList<string>> SocketsWithOpenCallsAsync(CancellationToken cancellationToken = default);

    /// <summary>Calls matching <paramref name="query"/>, newest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default);

    /// <summary>Removes at most <paramref name="limit"/> calls that ended before <paramref name="cutoff"/>; returns how many.</summary>
    public abstract Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Cancel();
    }

    /// <summary>
    /// Writes <paramref name="batch"/> in one transaction and sets each write's outcome (whether its row
    /// changed). Throws when the transaction fails as a whole.
    /// </summary>
    protected abstract Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken);

    /// <summary>The JSON stored for a call.</summary>
    protected static string ToPayload(CallInfo call) => PyfiJson.Serialize(call);

    /// <summary>A call read back from its JSON, with the lease its row holds (renewals change only the column).</summary>
    protected static CallInfo FromRow(string payload, DateTimeOffset? leaseUntil)
    {
        var call = PyfiJson.Deserialize<CallInfo>(payload) ?? throw new InvalidOperationException("a stored call is empty");
        return call.State == CallState.Running ? call with { LeaseUntil = leaseUntil } : call;
    }

    // An attempt's start and its end in one batch become the end alone, guarded as the start was: the row
    // goes from queued to ended in one write. (The start's caller is told it was stored: it was, as part of the end.)
    private static void FoldStartsIntoEnds(List<CallWrite> batch)
    {
        if (batch.Count < 2) return;
        Dictionary<Guid, int>? starts = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            if (write.Deferrable)
            {
                (starts ??= [])[write.Call.Id] = i;
            }
            else if (starts is not null && write.Kind == CallWriteKind.Transition && write.From == CallState.Running
                && starts.Remove(write.Call.Id, out var at) && batch[at] is { } start && start.Call.Attempts == write.FromAttempt)
            {
                var folded = new CallWrite(CallWriteKind.Transition, write.Call, start.From, start.FromAttempt);
                _ = FollowAsync(folded.Done.Task, write.Done, start.Done);
                batch[i] = folded;
                batch[at] = null!;
            }
        }

        if (batch.Contains(null!)) batch.RemoveAll(w => w is null);
    }

    private static async Task FollowAsync(Task<bool> folded, TaskCompletionSource<bool> end, TaskCompletionSource<bool> start)
    {
        try
        {
            var stored = await folded;
            end.TrySetResult(stored);
            start.TrySetResult(stored);
        }
        catch (Exception e)
        {
            end.TrySetException(e);
            start.TrySetException(e);
        }
    }

    private Task<bool> EnqueueAsync(CallWrite write)
    {
        if (!_writes.Writer.TryWrite(write)) throw new StorageUnavailableException("the call store is shutting down");
        return write.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<CallWrite>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var write)) batch.Add(write);
            if (batch.TrueForAll(w => w.Deferrable))
            {
                // Only starts: give their ends (or anything else) a moment to join them.
                using var wait = new CancellationTokenSource(StartDeferral);
                try
                {
                    if (await _writes.Reader.WaitToReadAsync(wait.Token))
                    {
                        while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var write)) batch.Add(write);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }

            FoldStartsIntoEnds(batch);
            try
            {
                await CommitAsync(batch, _stopping.Token);
            }
            catch (Exception e)
            {
                var failure = e as PyfiException ?? new StorageUnavailableException($"the database is unavailable ({e.Message.Split('\n')[0].Trim()})");
                foreach (var write in batch) write.Done.TrySetException(failure);
            }
        }
    }
}

/// <summary>What a <see cref="CallWrite"/> does.</summary>
public enum CallWriteKind
{
    /// <summary>Store a new call.</summary>
    Insert,

    /// <summary>Replace a call in an expected state and attempt.</summary>
    Transition,

    /// <summary>Extend a running attempt's lease.</summary>
    Renew,
}

/// <summary>One pending write and the caller waiting for it.</summary>
/// <param name="Kind">Insert, transition or renewal.</param>
/// <param name="Call">The call as it is to be stored.</param>
/// <param name="From">For a transition or renewal: the state the row must be in.</param>
/// <param name="FromAttempt">For a transition or renewal: the attempt the row must be at.</param>
public sealed record CallWrite(CallWriteKind Kind, CallInfo Call, CallState From, int FromAttempt)
{
    /// <summary>An attempt's start: it may wait a moment for company, and folds into its end if that comes meanwhile.</summary>
    public bool Deferrable { get; init; }

    /// <summary>Completes once committed with whether the row changed, or with the reason nothing was committed.</summary>
    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
