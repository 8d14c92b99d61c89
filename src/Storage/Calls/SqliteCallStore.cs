using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Pyfi.Storage.Calls;

/// <summary>
/// Calls in the embedded SQLite file. One connection writes (SQLite allows one writer); reads use the pool.
/// The write-ahead log is checkpointed by a background loop, not by the commit that happens to cross
/// SQLite's threshold: that commit would copy the log into the database file and flush it while every call
/// in its batch waits (measured: one call in ~80 took 12–18 ms instead of 1). The loop checkpoints when
/// writes pause, or after <see cref="CheckpointAfterCommits"/> commits under sustained load.
/// </summary>
internal sealed class SqliteCallStore : CallStore
{
    private const string Columns = "ServiceId, Id, Socket, State, Attempt, LeaseUntil, IdemKey, Workflow, Created, Finished, Version, Payload";
    private const int CheckpointAfterCommits = 4000;
    private const int BusyTimeoutMs = 30_000;
    private static readonly TimeSpan CheckpointPeriod = TimeSpan.FromMilliseconds(250);

    private readonly PyfiDatabase database;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _checkpoints;
    private SqliteConnection? _writer;
    private int _commitsSinceCheckpoint;

    public SqliteCallStore(PyfiDatabase database, string serviceId)
        : base(serviceId)
    {
        this.database = database;
        _checkpoints = Task.Run(CheckpointLoopAsync);
    }

    public override async Task<CallInfo?> ReadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var calls = await SelectAsync("WHERE ServiceId = $service AND Id = $id", command => command.Parameters.AddWithValue("$id", id.ToString()), cancellationToken);
        return calls.Count == 0 ? null : calls[0];
    }

    public override async Task<CallInfo?> FindByKeyAsync(string socket, string key, CancellationToken cancellationToken = default)
    {
        var calls = await SelectAsync("WHERE ServiceId = $service AND Socket = $socket AND IdemKey = $key", command =>
        {
            command.Parameters.AddWithValue("$socket", socket);
            command.Parameters.AddWithValue("$key", key);
        }, cancellationToken);
        return calls.Count == 0 ? null : calls[0];
    }

    public override Task<IReadOnlyList<CallInfo>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default)
    {
        var names = states.Select((_, i) => $"$s{i}").ToList();
        return SelectAsync($"WHERE ServiceId = $service AND Socket = $socket AND State IN ({string.Join(',', names)}) ORDER BY Created LIMIT $limit", command =>
        {
            command.Parameters.AddWithValue("$socket", socket);
            command.Parameters.AddWithValue("$limit", limit);
            foreach (var (state, i) in states.Select((s, i) => (s, i))) command.Parameters.AddWithValue($"$s{i}", state.ToString());
        }, cancellationToken);
    }

    public override Task<IReadOnlyList<string>> SocketsWithOpenCallsAsync(CancellationToken cancellationToken = default) =>
        OpenCallsByAsync("Socket", text => text, cancellationToken);

    public override Task<IReadOnlyList<CallInfo>> ListByWorkflowAsync(Guid workflow, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $service AND Workflow = $workflow ORDER BY Created", command => command.Parameters.AddWithValue("$workflow", workflow.ToString()), cancellationToken);

    public override Task<IReadOnlyList<Guid>> WorkflowsWithOpenCallsAsync(CancellationToken cancellationToken = default) =>
        OpenCallsByAsync("Workflow", Guid.Parse, cancellationToken);

    // The distinct values of a column (Socket, Workflow) over the calls not ended.
    private async Task<IReadOnlyList<T>> OpenCallsByAsync<T>(string column, Func<string, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT {column} FROM PyfiCalls WHERE ServiceId = $service AND State IN ('Queued', 'Running') AND {column} IS NOT NULL";
        command.Parameters.AddWithValue("$service", ServiceId);
        var values = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) values.Add(read(reader.GetString(0)));
        return values;
    }

    public override Task<IReadOnlyList<CallInfo>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var where = "WHERE ServiceId = $service";
        if (query.Socket is not null) where += " AND Socket = $socket";
        if (query.State is not null) where += " AND State = $state";
        if (query.Since is not null) where += " AND Created >= $since";
        return SelectAsync($"{where} ORDER BY Created DESC LIMIT $limit", command =>
        {
            if (query.Socket is { } socket) command.Parameters.AddWithValue("$socket", socket);
            if (query.State is { } state) command.Parameters.AddWithValue("$state", state.ToString());
            if (query.Since is { } since) command.Parameters.AddWithValue("$since", Timestamp(since));
            command.Parameters.AddWithValue("$limit", query.Limit);
        }, cancellationToken);
    }

    public override async Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM PyfiCalls WHERE ServiceId = $service AND Id IN (SELECT Id FROM PyfiCalls WHERE ServiceId = $service " +
            "AND Finished IS NOT NULL AND Finished < $cutoff AND State IN ('Succeeded', 'Failed', 'Cancelled') LIMIT $limit)";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$cutoff", Timestamp(cutoff));
        command.Parameters.AddWithValue("$limit", limit);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override async Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken)
    {
        _writer ??= await OpenWriterAsync(cancellationToken);
        try
        {
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            await using var insert = Command(_writer, transaction,
                $"INSERT INTO PyfiCalls ({Columns}) VALUES ($service, $id, $socket, $state, $attempt, $lease, $key, $workflow, $created, $finished, 1, $payload) ON CONFLICT DO NOTHING",
                "$service", "$id", "$socket", "$state", "$attempt", "$lease", "$key", "$workflow", "$created", "$finished", "$payload");
            await using var transition = Command(_writer, transaction,
                "UPDATE PyfiCalls SET State = $state, Attempt = $attempt, LeaseUntil = $lease, Finished = $finished, Version = Version + 1, Payload = $payload " +
                "WHERE ServiceId = $service AND Id = $id AND State = $from AND Attempt = $fromAttempt",
                "$service", "$id", "$state", "$attempt", "$lease", "$finished", "$payload", "$from", "$fromAttempt");
            await using var renew = Command(_writer, transaction,
                "UPDATE PyfiCalls SET LeaseUntil = $lease WHERE ServiceId = $service AND Id = $id AND State = $from AND Attempt = $fromAttempt",
                "$service", "$id", "$lease", "$from", "$fromAttempt");
            var changed = new bool[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                var command = write.Kind switch { CallWriteKind.Insert => insert, CallWriteKind.Transition => transition, _ => renew };
                Bind(command, write);
                changed[i] = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            }

            await transaction.CommitAsync(cancellationToken);
            Interlocked.Increment(ref _commitsSinceCheckpoint);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(changed[i]);
        }
        catch
        {
            // Start the next batch on a fresh connection: this one may be broken.
            await _writer.DisposeAsync();
            _writer = null;
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _closing.Cancel();
        await _checkpoints.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_writer is not null) await _writer.DisposeAsync();
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
                if (commits == 0 || (!paused && commits < CheckpointAfterCommits)) continue;
                Interlocked.Add(ref _commitsSinceCheckpoint, -commits);
                seen = 0;
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

    private void Bind(SqliteCommand command, CallWrite write)
    {
        var call = write.Call;
        var parameters = command.Parameters;
        parameters["$service"].Value = ServiceId;
        parameters["$id"].Value = call.Id.ToString();
        parameters["$lease"].Value = call.LeaseUntil is { } lease ? Timestamp(lease) : DBNull.Value;
        if (write.Kind != CallWriteKind.Insert)
        {
            parameters["$from"].Value = write.From.ToString();
            parameters["$fromAttempt"].Value = write.FromAttempt;
        }

        if (write.Kind == CallWriteKind.Renew) return;
        parameters["$state"].Value = call.State.ToString();
        parameters["$attempt"].Value = call.Attempts;
        parameters["$finished"].Value = call.Finished is { } f ? Timestamp(f) : DBNull.Value;
        parameters["$payload"].Value = ToPayload(call);
        if (write.Kind != CallWriteKind.Insert) return;
        parameters["$socket"].Value = call.Socket;
        parameters["$key"].Value = (object?)call.Key ?? DBNull.Value;
        parameters["$workflow"].Value = call.Workflow is { } workflow ? workflow.ToString() : DBNull.Value;
        parameters["$created"].Value = Timestamp(call.Created);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(name, name is "$attempt" or "$fromAttempt" ? SqliteType.Integer : SqliteType.Text);
        return command;
    }

    private async Task<IReadOnlyList<CallInfo>> SelectAsync(string where, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT Payload, LeaseUntil FROM PyfiCalls {where}";
        command.Parameters.AddWithValue("$service", ServiceId);
        bind(command);
        var calls = new List<CallInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            calls.Add(FromRow(reader.GetString(0), reader.IsDBNull(1) ? null : DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture)));
        }

        return calls;
    }

    // Sortable text: SQLite compares these as strings.
    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA synchronous = {(database.SqliteSync == SqliteSync.Full ? "FULL" : "NORMAL")}; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 16777216";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
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
}
