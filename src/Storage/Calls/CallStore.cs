using System.Threading.Channels;
using Pyfi.Protocol;

namespace Pyfi.Storage.Calls;

/// <summary>
/// Where task calls are kept: one row per call in <c>PyfiCalls</c>. Writes are group-committed: every write
/// waiting when a transaction starts goes into it, and each caller's task completes only once that
/// transaction has committed. Durability is the same as one transaction per write; the cost of a commit is
/// shared by all the calls in it.
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

    /// <summary>Stores a new call (version 1); completes once durable. Throws <see cref="StorageUnavailableException"/> when the database fails.</summary>
    public Task<int> InsertAsync(CallInfo call) => EnqueueAsync(new CallWrite(call, ExpectedVersion: 0));

    /// <summary>
    /// Replaces a stored call whose version is <paramref name="expectedVersion"/>; returns the new version once
    /// durable. Throws <see cref="CallConflictException"/> when the stored version differs.
    /// </summary>
    public Task<int> UpdateAsync(CallInfo call, int expectedVersion) => EnqueueAsync(new CallWrite(call, expectedVersion));

    /// <summary>The stored call and its version, or <see langword="null"/>.</summary>
    public abstract Task<(CallInfo Call, int Version)?> ReadAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Calls of <paramref name="socket"/> in one of <paramref name="states"/>, oldest first, with their versions.</summary>
    public abstract Task<IReadOnlyList<(CallInfo Call, int Version)>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Cancel();
    }

    /// <summary>
    /// Writes <paramref name="batch"/> in one transaction and sets each write's outcome: its new version, or
    /// a conflict. Throws when the transaction fails as a whole.
    /// </summary>
    protected abstract Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken);

    /// <summary>The JSON stored for a call.</summary>
    protected static string ToPayload(CallInfo call) => PyfiJson.Serialize(call);

    /// <summary>A call read back from its JSON.</summary>
    protected static CallInfo FromPayload(string payload) =>
        PyfiJson.Deserialize<CallInfo>(payload) ?? throw new InvalidOperationException("a stored call is empty");

    private Task<int> EnqueueAsync(CallWrite write)
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

/// <summary>One pending write and the caller waiting for it.</summary>
/// <param name="Call">The call to store.</param>
/// <param name="ExpectedVersion">0 for an insert; otherwise the version the row must have.</param>
public sealed record CallWrite(CallInfo Call, int ExpectedVersion)
{
    /// <summary>Completes with the new version once committed, or with the reason it was not.</summary>
    public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reports that the row was not in the expected version.</summary>
    public void Conflict() => Done.TrySetException(new CallConflictException(Call.Id, ExpectedVersion));
}

/// <summary>A call's stored row was not in the version its writer expected: another writer got there first.</summary>
public sealed class CallConflictException(Guid id, int expected)
    : PyfiException(expected == 0 ? $"call {id} is already stored" : $"call {id} changed in storage since version {expected}");
