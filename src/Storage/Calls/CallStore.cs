using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pyfi.Protocol;

namespace Pyfi.Storage.Calls;

/// <summary>
/// Where task calls are kept: one row per call in <c>PyfiCalls</c>. Writes are group-committed: every write
/// waiting when a transaction starts goes into it, and each caller's task completes only once that
/// transaction has committed. Durability is the same as one transaction per write; the cost of a commit is
/// shared by all the calls in it. A change to a stored call is a guarded transition: it names the state and
/// attempt it expects, and changes nothing when the row has moved on (another attempt, a cancel, an end).
/// A store may have several writers (PostgreSQL: each a transaction of its own at once, see <see cref="Writers"/>);
/// a call's writes all go to one of them, chosen by its id, so they stay in the order they were made.
/// </summary>
public abstract class CallStore : IAsyncDisposable
{
    /// <summary>Most writes one transaction takes.</summary>
    protected const int MaxBatch = 512;

    private readonly Channel<CallWrite>[] _writes;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _writers;

    // Starts held back for their ends (see StartAsync), and the timer that sends them on when they wait too long.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, CallWrite> _held = new();
    private readonly TimeProvider _time;
    private readonly ITimer _flush;
    private int _flushArmed;

    // Told of the calls each committed batch ended, while someone follows (see ObserveEnds); null costs nothing.
    private Action<IReadOnlyList<CallInfo>>? _endsObserver;

    /// <summary>
    /// Starts <paramref name="writers"/> writers (at least one); <paramref name="time"/> (the system's by default) times
    /// how long starts are held back.
    /// </summary>
    protected CallStore(string serviceId, TimeProvider? time = null, int writers = 1)
    {
        ServiceId = serviceId;
        _time = time ?? TimeProvider.System;
        _flush = _time.CreateTimer(_ => FlushDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _writes = [.. Enumerable.Range(0, Math.Clamp(writers, 1, MaxWriters)).Select(_ => Channel.CreateUnbounded<CallWrite>(new UnboundedChannelOptions { SingleReader = true }))];
        _writers = [.. Enumerable.Range(0, _writes.Length).Select(w => Task.Run(() => WriteLoopAsync(w)))];
    }

    /// <summary>Most writers a store may have.</summary>
    public const int MaxWriters = 16;

    /// <summary>How many transactions this store writes at once.</summary>
    public int Writers => _writes.Length;

    /// <summary>The service whose calls these are.</summary>
    protected string ServiceId { get; }

    /// <summary>
    /// A store on <paramref name="database"/> for <paramref name="serviceId"/>, logging to <paramref name="logger"/> (none by
    /// default), holding starts back by <paramref name="time"/> (the system's by default).
    /// </summary>
    /// <remarks>Several <paramref name="writers"/> are for PostgreSQL; SQLite takes one writer at a time, so it has one.</remarks>
    public static CallStore Create(PyfiDatabase database, string serviceId, ILogger? logger = null, TimeProvider? time = null, int writers = 1) => database.Provider == StorageProvider.Sqlite
        ? new SqliteCallStore(database, serviceId, logger ?? NullLogger.Instance, time)
        : new PostgresCallStore(database, serviceId, time, writers);

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
    /// Stores <paramref name="change"/> under its guard (and, for <see cref="CallChange.OrFromQueuedBefore"/>, under the
    /// second one if the first did not hold); completes once durable with whether it was stored.
    /// </summary>
    public async Task<bool> TransitionAsync(CallChange change) =>
        await TransitionAsync(change.Next, change.From, change.FromAttempt)
        || (change.OrFromQueuedBefore && await TransitionAsync(change.Next, CallState.Queued, change.FromAttempt - 1));

    /// <summary>
    /// Stores that attempt <paramref name="running"/>.Attempts has started, without hurrying: the write is held
    /// back for up to <see cref="StartDeferral"/>, and if the attempt's end is written meanwhile the two become
    /// one write (a short attempt costs one row write, not two, and adds no commit to its call's latency). Held
    /// starts go into the next transaction after that, ahead of its other writes. Completes with whether it
    /// was stored (or folded into its end). The caller must not write anything else for the call until its end.
    /// </summary>
    public Task<bool> StartAsync(CallInfo running)
    {
        var write = new CallWrite(CallWriteKind.Transition, running, CallState.Queued, running.Attempts - 1) { Deferrable = true, HeldSince = _time.GetTimestamp() };
        _held[running.Id] = write;
        if (Interlocked.Exchange(ref _flushArmed, 1) == 0) _flush.Change(StartDeferral, Timeout.InfiniteTimeSpan);
        return write.Done.Task;
    }

    /// <summary>
    /// Takes back the start of attempt <paramref name="attempt"/> of call <paramref name="id"/> given to
    /// <see cref="StartAsync"/> if it is still held back: <see langword="true"/> when it was, and nothing is written
    /// for it (its task completes with <see langword="false"/>); the row still says queued at the attempt before.
    /// For an attempt that ended within the deferral, whose end is then stored from there in one write.
    /// </summary>
    public bool WithdrawStart(Guid id, int attempt)
    {
        if (!_held.TryGetValue(id, out var start) || start.Call.Attempts != attempt || !_held.TryRemove(new KeyValuePair<Guid, CallWrite>(id, start))) return false;
        start.Done.TrySetResult(false);
        return true;
    }

    /// <summary>How long a start is held back for its end (see <see cref="StartAsync"/>).</summary>
    public static TimeSpan StartDeferral { get; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Extends the lease of attempt <paramref name="attempt"/> of <paramref name="call"/> if it is still running.</summary>
    public Task<bool> RenewAsync(CallInfo call, int attempt, DateTimeOffset leaseUntil) =>
        EnqueueAsync(new CallWrite(CallWriteKind.Renew, call with { LeaseUntil = leaseUntil }, CallState.Running, attempt));

    /// <summary>The stored call, or <see langword="null"/>.</summary>
    public abstract Task<CallInfo?> ReadAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The call of <paramref name="socket"/> (a socket's name: in any of its partitions) submitted with <paramref name="key"/>,
    /// or <see langword="null"/>. A key is unique per socket across its partitions.
    /// </summary>
    public abstract Task<CallInfo?> FindByKeyAsync(string socket, string key, CancellationToken cancellationToken = default);

    /// <summary>Calls of <paramref name="socket"/> in one of <paramref name="states"/>, oldest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> queued calls of <paramref name="socket"/> in queue order (<see cref="QueueKey"/>:
    /// accepted time, then id), those after <paramref name="after"/> (from the first with none): a socket's queue read a
    /// page at a time, served by an index (migrations <c>*-Queue.sql</c>) so a page costs the same behind a backlog of any size.
    /// </summary>
    public abstract Task<IReadOnlyList<CallInfo>> ListQueuedAsync(string socket, QueueKey? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>The place of the last queued call of <paramref name="socket"/> in queue order, or <see langword="null"/> when none is queued.</summary>
    public abstract Task<QueueKey?> LastQueuedAsync(string socket, CancellationToken cancellationToken = default);

    /// <summary>How many calls of <paramref name="socket"/> are not ended (queued or running) in storage.</summary>
    public abstract Task<long> CountOpenAsync(string socket, CancellationToken cancellationToken = default);

    /// <summary>The sockets that have calls not ended (queued or running) in storage.</summary>
    public abstract Task<IReadOnlyList<string>> SocketsWithOpenCallsAsync(CancellationToken cancellationToken = default);

    /// <summary>The sockets with ended calls whose plugs' deliveries are not all made (<see cref="CallInfo.Deliveries"/>).</summary>
    public abstract Task<IReadOnlyList<string>> SocketsWithDeliveriesAsync(CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> ended calls of <paramref name="socket"/> whose deliveries are not all made, oldest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> ListWithDeliveriesAsync(string socket, int limit, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> calls of run <paramref name="run"/>, oldest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> ListByRunAsync(Guid run, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every call of a workflow, oldest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> ListByWorkflowAsync(Guid workflow, CancellationToken cancellationToken = default);

    /// <summary>The workflows that have calls not ended (queued or running).</summary>
    public abstract Task<IReadOnlyList<Guid>> WorkflowsWithOpenCallsAsync(CancellationToken cancellationToken = default);

    /// <summary>Calls matching <paramref name="query"/>, newest first.</summary>
    public abstract Task<IReadOnlyList<CallInfo>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> calls of <paramref name="target"/> whose ends were committed after position
    /// <paramref name="after"/>, in the order of their positions (<c>EndPos</c>), and the cursor to go on from (see
    /// <see cref="FollowPage"/>). With no <paramref name="after"/>: no calls, and the cursor of now. Positions are
    /// commit-ordered (see the migrations <c>*-Follow.sql</c>): a reader that has seen position P has seen every end
    /// below P it ever will, so a cursor skips nothing and nothing comes twice. That is why this does not go by
    /// <see cref="CallInfo.Finished"/>: an end's time is taken before its group commit, and a write the database
    /// refused is stored later with the same time, so "ended after T" would skip a row committed late.
    /// </summary>
    public async Task<FollowPage> ReadEndedAsync(FollowTarget target, long? after, int limit, CancellationToken cancellationToken = default)
    {
        var through = await EndedThroughAsync(cancellationToken);
        if (after is not { } from || from >= through) return new FollowPage([], [], Math.Max(through, after ?? 0));
        // A follower far behind reads a window at a time: each read looks at a bounded part of the index.
        var upper = Math.Min(through, from > long.MaxValue - EndSpan ? long.MaxValue : from + EndSpan);
        var rows = await ReadEndsAsync(target, from, upper, limit, cancellationToken);
        return EndedCalls.Page(rows, limit, upper);
    }

    /// <summary>The highest position below which every end is committed and visible (0 when none is).</summary>
    protected abstract Task<long> EndedThroughAsync(CancellationToken cancellationToken);

    /// <summary>How many positions one read of <see cref="ReadEndedAsync"/> looks through at most.</summary>
    protected abstract long EndSpan { get; }

    /// <summary>
    /// The ends of <paramref name="target"/> with positions in (<paramref name="after"/>, <paramref name="through"/>],
    /// in order, at most <paramref name="limit"/>: each row's position and stored call.
    /// </summary>
    protected abstract Task<IReadOnlyList<EndedRow>> ReadEndsAsync(FollowTarget target, long after, long through, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Has <paramref name="observer"/> told, after each commit, of the calls that batch ended (once each: an end is
    /// stored once); <see langword="null"/> stops it. It runs on the writer's path: it must be quick and not throw.
    /// </summary>
    public void ObserveEnds(Action<IReadOnlyList<CallInfo>>? observer) => Volatile.Write(ref _endsObserver, observer);

    /// <summary>Removes at most <paramref name="limit"/> calls that ended before <paramref name="cutoff"/>; returns how many.</summary>
    public abstract Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        await _flush.DisposeAsync();
        foreach (var start in _held.Values) WritesOf(start.Call.Id).Writer.TryWrite(start with { Deferrable = false });
        _held.Clear();
        foreach (var writes in _writes) writes.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Cancel();
    }

    /// <summary>
    /// Writes <paramref name="batch"/> in one transaction and sets each write's outcome (whether its row
    /// changed). Throws when the transaction fails as a whole.
    /// </summary>
    protected abstract Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken);

    /// <summary>The JSON stored for a call (see <see cref="StoredCall"/>).</summary>
    protected static string ToPayload(CallInfo call) => StoredCall.Write(call);

    /// <summary>A call read back from its JSON, with the lease its row holds (renewals change only the column).</summary>
    protected static CallInfo FromRow(string payload, DateTimeOffset? leaseUntil) => StoredCall.Read(payload, leaseUntil);

    /// <summary>A call read back from its JSON as UTF-8, with the lease its row holds.</summary>
    protected static CallInfo FromRow(ReadOnlySpan<byte> payload, DateTimeOffset? leaseUntil) => StoredCall.Read(payload, leaseUntil);

    // Ends in this batch absorb their attempts' held starts: the row goes from queued to ended in one write,
    // guarded as the start was. (The start's caller is told it was stored: it was, as part of the end.) Held
    // starts that have waited long enough go in too, first: every earlier write of their call is committed.
    private void TakeHeldStarts(List<CallWrite> batch, int writer)
    {
        if (_held.IsEmpty) return;
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            if (write.Kind == CallWriteKind.Transition && write.From == CallState.Running && !write.Deferrable
                && _held.TryGetValue(write.Call.Id, out var start) && start.Call.Attempts == write.FromAttempt
                && _held.TryRemove(new KeyValuePair<Guid, CallWrite>(write.Call.Id, start)))
            {
                // The end takes the start's guard; the start is answered with the end's outcome (no extra hop
                // on the end's way back to its caller).
                batch[i] = write with { From = start.From, FromAttempt = start.FromAttempt, Absorbed = start };
            }
        }

        var front = 0;
        foreach (var (id, start) in _held)
        {
            if (WriterOf(id) == writer && _time.GetElapsedTime(start.HeldSince) >= StartDeferral && _held.TryRemove(new KeyValuePair<Guid, CallWrite>(id, start))) batch.Insert(front++, start);
        }
    }

    // The timer: held starts that waited long enough are written even when nothing else is.
    private void FlushDue()
    {
        Volatile.Write(ref _flushArmed, 0);
        if (_held.IsEmpty) return;
        foreach (var writes in _writes) writes.Writer.TryWrite(CallWrite.Wake);
        if (Interlocked.Exchange(ref _flushArmed, 1) == 0) _flush.Change(StartDeferral, Timeout.InfiniteTimeSpan);
    }

    // Per batch, not per call, and only while someone follows: the hot path pays one read of a null otherwise.
    private static void TellEnds(Action<IReadOnlyList<CallInfo>> observer, List<CallWrite> batch)
    {
        List<CallInfo>? ended = null;
        foreach (var write in batch)
        {
            if (EndedCalls.IsEnd(write) && write.Done.Task.IsCompletedSuccessfully && write.Done.Task.Result) (ended ??= []).Add(write.Call);
        }

        if (ended is null) return;
        try
        {
            observer(ended);
        }
        catch (Exception)
        {
            // A follower's ring is not worth a commit: it reads again within a second anyway.
        }
    }

    private Task<bool> EnqueueAsync(CallWrite write)
    {
        if (!WritesOf(write.Call.Id).Writer.TryWrite(write)) throw new StorageUnavailableException("the call store is shutting down");
        return write.Done.Task;
    }

    // A call's writer: every write of one call goes through the same one, in order.
    private int WriterOf(Guid id) => _writes.Length == 1 ? 0 : (int)((uint)id.GetHashCode() % (uint)_writes.Length);

    private Channel<CallWrite> WritesOf(Guid id) => _writes[WriterOf(id)];

    private async Task WriteLoopAsync(int writer)
    {
        var writes = _writes[writer];
        var batch = new List<CallWrite>(MaxBatch);
        while (await writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && writes.Reader.TryRead(out var write))
            {
                if (!ReferenceEquals(write, CallWrite.Wake)) batch.Add(write);
            }

            TakeHeldStarts(batch, writer);
            if (batch.Count == 0) continue;
            try
            {
                await CommitAsync(batch, _stopping.Token);
            }
            catch (Exception e)
            {
                var failure = e as PyfiException ?? new StorageUnavailableException($"the database is unavailable ({e.Message.Split('\n')[0].Trim()})");
                foreach (var write in batch) write.Done.TrySetException(failure);
            }

            if (Volatile.Read(ref _endsObserver) is { } observer) TellEnds(observer, batch);
            foreach (var write in batch)
            {
                if (write.Absorbed is not { } start) continue;
                if (write.Done.Task.IsCompletedSuccessfully) start.Done.TrySetResult(write.Done.Task.Result);
                else start.Done.TrySetException(write.Done.Task.Exception?.InnerException ?? new StorageUnavailableException("the database is unavailable"));
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

    /// <summary>For an end that absorbed its attempt's held start: that start, answered with the end's outcome.</summary>
    public CallWrite? Absorbed { get; init; }

    /// <summary>For a held start: when it was held (<see cref="TimeProvider.GetTimestamp"/> of the store's clock).</summary>
    public long HeldSince { get; init; }

    /// <summary>Not a write: wakes the writer to send held starts on.</summary>
    internal static CallWrite Wake { get; } = new(CallWriteKind.Renew, new CallInfo { Id = Guid.Empty, Socket = "", Processor = "", Function = "", Created = default }, CallState.Running, 0);

    /// <summary>Completes once committed with whether the row changed, or with the reason nothing was committed.</summary>
    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
