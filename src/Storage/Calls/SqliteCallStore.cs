using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Pyfi.Storage.Sqlite;

namespace Pyfi.Storage.Calls;

// Long on purpose: SQLite's side of every query CallStore declares (one short method each), beside the one writer
// connection, the checkpoint loop and the log's bound, which share that connection's life and one lock; the
// batching is CallStore's, shared with PostgreSQL.
/// <summary>
/// Calls in the embedded SQLite file. One connection writes (SQLite allows one writer); reads use the pool.
/// The write-ahead log is checkpointed by a background loop, not by the commit that happens to cross
/// SQLite's threshold: that commit would copy the log into the database file and flush it while every call
/// in its batch waits (measured: one call in ~80 took 12–18 ms instead of 1). The loop checkpoints when
/// writes pause, or after <see cref="CheckpointAfterCommits"/> commits under sustained load. Those checkpoints
/// (PASSIVE) never empty the log under steady writes (see <see cref="SqliteWal"/>), so the writer itself empties
/// it (TRUNCATE, between two commits) once it passes a quarter of <see cref="PyfiDatabase.WalLimit"/>, and waits
/// for that before its next commit would pass the limit. Reads copy their rows out and close before parsing
/// them, so no read holds a snapshot of the log longer than SQLite takes to step through its rows.
/// </summary>
internal sealed partial class SqliteCallStore : CallStore
{
        private const int CheckpointAfterCommits = 4000;
    private const int BusyTimeoutMs = 30_000;
    private static readonly TimeSpan CheckpointPeriod = TimeSpan.FromMilliseconds(250);

    // How long emptying the log waits for readers to leave it; the writer waits meanwhile.
    private static readonly TimeSpan TruncateWait = TimeSpan.FromSeconds(1);

    // After a truncation a reader held up, the next is tried this much later, doubling up to MaxTruncateBackoff.
    private static readonly TimeSpan TruncateBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxTruncateBackoff = TimeSpan.FromSeconds(30);

    private readonly PyfiDatabase database;
    private readonly ILogger _logger;
    private readonly string _file;
    private readonly string _wal;
    private readonly long _walLimit;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _checkpoints;

    // One checkpoint at a time: SQLite refuses a second one at once instead of waiting for it.
    private readonly SemaphoreSlim _checkpoint = new(1, 1);

    // Reads of the file; closed while the log is emptied, so reads that keep overlapping cannot hold that off.
    private readonly ReadGate _reads = new();
    private SqliteConnection? _writer;

    // The writer's statements, prepared once for its connection (null while it is not open).
    private SqliteCallWrites? _statements;

    // The last end position given out (see 0003-Follow.sql): read from the file when the writer opens, then counted
    // here. Only this writer writes the file, and it commits batch after batch, so positions are commit-ordered.
    private long _lastEndPos;
    private int _commitsSinceCheckpoint;
    private long _sizeBeforeCommit;
    private long _nextTruncate;
    private TimeSpan _truncateBackoff = TruncateBackoff;

    public SqliteCallStore(PyfiDatabase database, string serviceId, ILogger logger, TimeProvider? time = null)
        : base(serviceId, time)
    {
        this.database = database;
        _logger = logger;
        _file = database.CallsFile;
        _wal = SqliteWal.LogOf(_file);
        _walLimit = database.WalLimit;
        _checkpoints = Task.Run(CheckpointLoopAsync);
    }

    public override async Task<CallInfo?> ReadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var calls = await SelectAsync("WHERE ServiceId = $service AND Id = $id", command => command.Parameters.AddWithValue("$id", id.ToString()), cancellationToken);
        return calls.Count == 0 ? null : calls[0];
    }

    public override async Task<CallInfo?> FindByKeyAsync(string socket, string key, CancellationToken cancellationToken = default)
    {
        // By the socket's name across its partitions: the expression of UX_PyfiCalls_SocketKey (Calls/0005-PartitionKeys.sql).
        var calls = await SelectAsync("WHERE ServiceId = $service AND substr(Socket, 1, instr(Socket || '@', '@') - 1) = $socket AND IdemKey = $key", command =>
        {
            command.Parameters.AddWithValue("$socket", socket);
            command.Parameters.AddWithValue("$key", key);
        }, cancellationToken);
        return calls.Count == 0 ? null : calls[0];
    }

    public override Task<IReadOnlyList<CallInfo>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default)
    {
        // Sorted here, not by SQLite: sorting a socket's whole backlog in SQL would hold the read (and the log) meanwhile.
        var names = states.Select((_, i) => $"$s{i}").ToList();
        return SelectAsync($"WHERE ServiceId = $service AND Socket = $socket AND State IN ({string.Join(',', names)})", command =>
        {
            command.Parameters.AddWithValue("$socket", socket);
            foreach (var (state, i) in states.Select((s, i) => (s, i))) command.Parameters.AddWithValue($"$s{i}", state.ToString());
        }, cancellationToken, oldestFirst: true, limit: limit);
    }

    public override Task<IReadOnlyList<CallInfo>> ListQueuedAsync(string socket, QueueKey? after, int limit, CancellationToken cancellationToken = default)
    {
        // The literal state lets SQLite use the partial index IX_PyfiCalls_Queue (0004-Queue.sql): no sort, LIMIT rows read.
        var from = after is null ? "" : " AND (Created, Id) > ($created, $id)";
        return SelectAsync($"WHERE ServiceId = $service AND Socket = $socket AND State = 'Queued'{from} ORDER BY Created, Id LIMIT $limit", command =>
        {
            command.Parameters.AddWithValue("$socket", socket);
            command.Parameters.AddWithValue("$limit", limit);
            if (after is { } key)
            {
                command.Parameters.AddWithValue("$created", Timestamp(key.Created));
                command.Parameters.AddWithValue("$id", key.Id.ToString());
            }
        }, cancellationToken);
    }

    public override Task<QueueKey?> LastQueuedAsync(string socket, CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Created, Id FROM PyfiCalls WHERE ServiceId = $service AND Socket = $socket AND State = 'Queued' ORDER BY Created DESC, Id DESC LIMIT 1";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$socket", socket);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return (QueueKey?)null;
        return new QueueKey(DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), Guid.Parse(reader.GetString(1)));
    });

    public override Task<long> CountOpenAsync(string socket, CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM PyfiCalls WHERE ServiceId = $service AND Socket = $socket AND State IN ('Queued', 'Running')";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$socket", socket);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    });

    public override Task<IReadOnlyList<string>> SocketsWithOpenCallsAsync(CancellationToken cancellationToken = default) =>
        OpenCallsByAsync("Socket", text => text, cancellationToken);

    public override Task<IReadOnlyList<string>> SocketsWithDeliveriesAsync(CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        var sockets = new List<string>();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT Socket FROM PyfiCalls WHERE ServiceId = $service AND Deliver = 1";
        command.Parameters.AddWithValue("$service", ServiceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) sockets.Add(reader.GetString(0));
        return (IReadOnlyList<string>)sockets;
    });

    public override Task<IReadOnlyList<CallInfo>> ListWithDeliveriesAsync(string socket, int limit, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $service AND Socket = $socket AND Deliver = 1", command => command.Parameters.AddWithValue("$socket", socket), cancellationToken, oldestFirst: true, limit: limit);

    public override Task<IReadOnlyList<CallInfo>> ListByRunAsync(Guid run, int limit, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $service AND Run = $run", command => command.Parameters.AddWithValue("$run", run.ToString()), cancellationToken, oldestFirst: true, limit: limit);

    public override Task<IReadOnlyList<CallInfo>> ListByWorkflowAsync(Guid workflow, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $service AND Workflow = $workflow", command => command.Parameters.AddWithValue("$workflow", workflow.ToString()), cancellationToken, oldestFirst: true);

    public override Task<IReadOnlyList<Guid>> WorkflowsWithOpenCallsAsync(CancellationToken cancellationToken = default) =>
        OpenCallsByAsync("Workflow", Guid.Parse, cancellationToken);

    // The distinct values of a column (Socket, Workflow) over the calls not ended.
    private Task<IReadOnlyList<T>> OpenCallsByAsync<T>(string column, Func<string, T> read, CancellationToken cancellationToken) => TranslateAsync(async () =>
    {
        var texts = new List<string>();
        await using (var connection = await OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT DISTINCT {column} FROM PyfiCalls WHERE ServiceId = $service AND State IN ('Queued', 'Running') AND {column} IS NOT NULL";
            command.Parameters.AddWithValue("$service", ServiceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) texts.Add(reader.GetString(0));
        }

        return (IReadOnlyList<T>)[.. texts.Select(read)];
    });

    public override Task<IReadOnlyList<CallInfo>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var where = "WHERE ServiceId = $service";
        // Its calls in any of its partitions (see SocketPartitions).
        if (query.Socket is not null) where += " AND Socket IN (SELECT value FROM json_each($socket))";
        if (query.State is not null) where += " AND State = $state";
        if (query.Since is not null) where += " AND Created >= $since";
        if (query.Run is not null) where += " AND Run = $run";
        return SelectAsync($"{where} ORDER BY Created DESC LIMIT $limit", command =>
        {
            if (query.Run is { } run) command.Parameters.AddWithValue("$run", run.ToString());
            if (query.Socket is { } socket) command.Parameters.AddWithValue("$socket", PartitionKeys(socket));
            if (query.State is { } state) command.Parameters.AddWithValue("$state", state.ToString());
            if (query.Since is { } since) command.Parameters.AddWithValue("$since", Timestamp(since));
            command.Parameters.AddWithValue("$limit", query.Limit);
        }, cancellationToken);
    }

    protected override long EndSpan => 100_000;

    protected override Task<long> EndedThroughAsync(CancellationToken cancellationToken) => TranslateAsync(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await MaxEndPosAsync(connection, cancellationToken);
    });

    protected override Task<IReadOnlyList<EndedRow>> ReadEndsAsync(FollowTarget target, long after, long through, int limit, CancellationToken cancellationToken) => TranslateAsync(async () =>
    {
        var rows = new List<EndedRow>();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // A socket's ends through the ends' index (the socket's own index would walk all of its calls); a run's
        // through the run's index (a run's calls are few next to all ends).
        command.CommandText = target.Socket is { } socket
            ? "SELECT EndPos, Payload, LeaseUntil FROM PyfiCalls INDEXED BY IX_PyfiCalls_Ended WHERE ServiceId = $service AND EndPos > $after AND EndPos <= $through AND Socket IN (SELECT value FROM json_each($target)) ORDER BY EndPos LIMIT $limit"
            : "SELECT EndPos, Payload, LeaseUntil FROM PyfiCalls WHERE ServiceId = $service AND Run = $target AND EndPos > $after AND EndPos <= $through ORDER BY EndPos LIMIT $limit";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$through", through);
        command.Parameters.AddWithValue("$target", target.Socket is { } partitioned ? PartitionKeys(partitioned) : target.Run!.Value.ToString());
        command.Parameters.AddWithValue("$limit", limit);
        var texts = new List<(long Position, byte[] Payload, string? Lease)>();
        long bytes = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (!EndedCalls.Enough(bytes) && await reader.ReadAsync(cancellationToken))
            {
                texts.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
                bytes += texts[^1].Payload.Length;
            }
        }

        // Parsed after the read is closed (see SelectAsync).
        foreach (var (position, payload, lease) in texts)
        {
            rows.Add(new EndedRow(position, FromRow(payload, lease is null ? null : DateTimeOffset.Parse(lease, CultureInfo.InvariantCulture)), payload.Length));
        }

        return (IReadOnlyList<EndedRow>)rows;
    });

    private async Task<long> MaxEndPosAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(EndPos) FROM PyfiCalls WHERE ServiceId = $service AND EndPos IS NOT NULL";
        command.Parameters.AddWithValue("$service", ServiceId);
        return await command.ExecuteScalarAsync(cancellationToken) is long max ? max : 0;
    }

    public override Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM PyfiCalls WHERE ServiceId = $service AND Id IN (SELECT Id FROM PyfiCalls WHERE ServiceId = $service " +
            "AND Finished IS NOT NULL AND Finished < $cutoff AND State IN ('Succeeded', 'Failed', 'Cancelled') AND Deliver = 0 LIMIT $limit)";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$cutoff", Timestamp(cutoff));
        command.Parameters.AddWithValue("$limit", limit);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    });

    protected override async Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken)
    {
        try
        {
            _writer ??= await OpenWriterAsync(cancellationToken);
        }
        catch (SqliteException e)
        {
            throw StorageFaults.Unavailable(e, database, _file);
        }

        // The log's size before this commit: BoundLogAsync estimates what the next commit adds from what this one did.
        Volatile.Write(ref _sizeBeforeCommit, SqliteWal.Size(_wal));
        try
        {
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            _statements ??= new SqliteCallWrites(_writer, ServiceId);
            var changed = new bool[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                // Positions are counted here, in commit order (see _lastEndPos).
                changed[i] = _statements.Write(write, EndedCalls.IsEnd(write) ? ++_lastEndPos : null);
            }

            await transaction.CommitAsync(cancellationToken);
            Interlocked.Increment(ref _commitsSinceCheckpoint);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(changed[i]);
        }
        catch (Exception e)
        {
            // Start the next batch on a fresh connection: this one may be broken.
            _statements?.Dispose();
            _statements = null;
            await _writer.DisposeAsync();
            _writer = null;
            if (e is SqliteException sqlite) throw StorageFaults.Unavailable(sqlite, database, _file);
            throw;
        }

        await BoundLogAsync(cancellationToken);
    }

    // Between two commits: empties the log once it passes a quarter of the limit (unless a checkpoint is running:
    // then after a later commit), and before the next commit could take it past the limit (waiting for a running
    // checkpoint). This process's reads wait at the gate meanwhile, so only a read already in flight or another
    // process's can hold the log; one that does past TruncateWait makes the next try wait, doubling, so a stuck
    // reader costs the writer at most one wait in MaxTruncateBackoff; past the limit that is logged.
    private async Task BoundLogAsync(CancellationToken cancellationToken)
    {
        var size = SqliteWal.Size(_wal);
        var growth = Math.Max(0, size - Volatile.Read(ref _sizeBeforeCommit)); // what the last commit added
        if (size < _walLimit / 4) return;
        var nearLimit = size + 2 * growth >= _walLimit;
        if (Environment.TickCount64 < _nextTruncate) return;
        if (nearLimit) await _checkpoint.WaitAsync(cancellationToken);
        else if (!_checkpoint.Wait(0)) return;
        try
        {
            bool emptied;
            using (_reads.Close()) emptied = await SqliteWal.TruncateAsync(_writer!, TruncateWait, BusyTimeoutMs, cancellationToken);
            if (emptied)
            {
                _truncateBackoff = TruncateBackoff;
                Volatile.Write(ref _sizeBeforeCommit, 0);
                Interlocked.Exchange(ref _commitsSinceCheckpoint, 0);
                return;
            }

            _nextTruncate = Environment.TickCount64 + (long)_truncateBackoff.TotalMilliseconds;
            _truncateBackoff = TimeSpan.FromTicks(Math.Min(MaxTruncateBackoff.Ticks, _truncateBackoff.Ticks * 2));
            if (nearLimit) LogLogHeld(_wal, size / (1024 * 1024), _walLimit / (1024 * 1024), (long)TruncateWait.TotalMilliseconds);
        }
        catch (SqliteException e)
        {
            // The commit stands; the log is emptied after a later one. A broken file shows in the next commit.
            LogTruncateFailed(_wal, StorageFaults.Describe(e, _file));
            _nextTruncate = Environment.TickCount64 + (long)_truncateBackoff.TotalMilliseconds;
        }
        finally
        {
            _checkpoint.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The calls' log {Wal} is {SizeMb} MB (limit {LimitMb} MB) and could not be emptied: a reader held it past {WaitMs} ms. Close long reads of the file (an open sqlite3 shell?)")]
    private partial void LogLogHeld(string wal, long sizeMb, long limitMb, long waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not empty the calls' log {Wal}: {Reason}")]
    private partial void LogTruncateFailed(string wal, string reason);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _closing.Cancel();
        await _checkpoints.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _statements?.Dispose();
        if (_writer is not null) await _writer.DisposeAsync();
        _checkpoint.Dispose();
        _closing.Dispose();
    }

    // Copies committed pages from the log into the database file while writers go on (PASSIVE: it takes no
    // lock a writer needs). The log restarts from its beginning once a checkpoint has caught up.
    private async Task CheckpointLoopAsync()
    {
        using var timer = new PeriodicTimer(CheckpointPeriod);
        SqliteConnection? connection = null;
        var seen = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token))
            {
                var commits = Volatile.Read(ref _commitsSinceCheckpoint);
                var paused = commits == seen;
                seen = commits;
                // Copying ahead of the writer's truncation leaves it less to copy while commits wait.
                if (commits == 0 || (!paused && commits < CheckpointAfterCommits && SqliteWal.Size(_wal) < _walLimit / 8)) continue;
                Interlocked.Add(ref _commitsSinceCheckpoint, -commits);
                seen = 0;
                await _checkpoint.WaitAsync(_closing.Token);
                try
                {
                    connection ??= await OpenAsync(_closing.Token);
                    await using var checkpoint = connection.CreateCommand();
                    checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    await checkpoint.ExecuteNonQueryAsync(_closing.Token);
                }
                catch (SqliteException)
                {
                    // The file is unavailable: writes report that to their callers. Try again next time.
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                    Interlocked.Increment(ref _commitsSinceCheckpoint);
                }
                finally
                {
                    _checkpoint.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    // The rows are copied out as text and the read closed before they are parsed (or sorted, oldestFirst): a read
    // holds its snapshot of the log, and so any checkpoint that would empty it, only while SQLite steps.
    private Task<IReadOnlyList<CallInfo>> SelectAsync(string where, Action<SqliteCommand> bind, CancellationToken cancellationToken,
        bool oldestFirst = false, int limit = int.MaxValue) => TranslateAsync(async () =>
    {
        var rows = new List<(string Created, byte[] Payload, string? Lease)>();
        await using (var connection = await OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT Created, Payload, LeaseUntil FROM PyfiCalls {where}";
            command.Parameters.AddWithValue("$service", ServiceId);
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) rows.Add((reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        IEnumerable<(string Created, byte[] Payload, string? Lease)> ordered = oldestFirst ? rows.OrderBy(r => r.Created, StringComparer.Ordinal) : rows;
        return (IReadOnlyList<CallInfo>)[.. ordered.Take(limit).Select(r => FromRow(r.Payload, r.Lease is null ? null : DateTimeOffset.Parse(r.Lease, CultureInfo.InvariantCulture)))];
    });

    // Every read and delete: through the read gate, and a driver failure becomes one line naming the file (a
    // damaged one says what to do).
    private async Task<T> TranslateAsync<T>(Func<Task<T>> read)
    {
        await _reads.EnterAsync(_closing.Token);
        try
        {
            return await read();
        }
        catch (SqliteException e)
        {
            throw StorageFaults.Unavailable(e, database, _file);
        }
    }

    // Sortable text: SQLite compares these as strings.
    private static string Timestamp(DateTimeOffset at) => SqliteCallWrites.Timestamp(at);

    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA synchronous = {(database.SqliteSync == SqliteSync.Full ? "FULL" : "NORMAL")}; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 16777216";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        // A position given out in a batch that did not commit may be given again: no reader ever saw it.
        _lastEndPos = await MaxEndPosAsync(connection, cancellationToken);
        return connection;
    }

    // A statement that finds the file busy waits in SQLite's own handler (it retries within a millisecond or
    // two at first); left to the driver, it would sleep 150 ms before each retry.
    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(database.CallsConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var busy = connection.CreateCommand();
        busy.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMs}";
        await busy.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    // The keys a socket's calls are stored under, as a JSON array for json_each.
    private static string PartitionKeys(string socket) => JsonSerializer.Serialize(SocketPartitions.AllKeys(socket), StoredCallJson.Default.StringArray);
}
