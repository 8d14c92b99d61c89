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
    private const string Columns = "ServiceId, Id, Socket, State, Created, Finished, Version, Payload";
    private const int CheckpointAfterCommits = 4000;
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

    public override async Task<(CallInfo Call, int Version)?> ReadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Payload, Version FROM PyfiCalls WHERE ServiceId = $service AND Id = $id";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (FromPayload(reader.GetString(0)), reader.GetInt32(1)) : null;
    }

    public override async Task<IReadOnlyList<(CallInfo Call, int Version)>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var names = states.Select((s, i) => $"$s{i}").ToList();
        command.CommandText = $"SELECT Payload, Version FROM PyfiCalls WHERE ServiceId = $service AND Socket = $socket AND State IN ({string.Join(',', names)}) ORDER BY Created LIMIT $limit";
        command.Parameters.AddWithValue("$service", ServiceId);
        command.Parameters.AddWithValue("$socket", socket);
        command.Parameters.AddWithValue("$limit", limit);
        foreach (var (state, i) in states.Select((s, i) => (s, i))) command.Parameters.AddWithValue($"$s{i}", state.ToString());
        var calls = new List<(CallInfo, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) calls.Add((FromPayload(reader.GetString(0)), reader.GetInt32(1)));
        return calls;
    }

    protected override async Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken)
    {
        _writer ??= await OpenWriterAsync(cancellationToken);
        try
        {
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            await using var insert = Command(_writer, transaction,
                $"INSERT INTO PyfiCalls ({Columns}) VALUES ($service, $id, $socket, $state, $created, $finished, 1, $payload) ON CONFLICT DO NOTHING");
            await using var update = Command(_writer, transaction,
                "UPDATE PyfiCalls SET Socket = $socket, State = $state, Created = $created, Finished = $finished, Version = Version + 1, Payload = $payload " +
                "WHERE ServiceId = $service AND Id = $id AND Version = $version");
            update.Parameters.Add("$version", SqliteType.Integer);
            var changed = new bool[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var write = batch[i];
                var command = write.ExpectedVersion == 0 ? insert : update;
                Bind(command, write);
                changed[i] = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            }

            await transaction.CommitAsync(cancellationToken);
            Interlocked.Increment(ref _commitsSinceCheckpoint);
            for (var i = 0; i < batch.Count; i++)
            {
                if (changed[i]) batch[i].Done.TrySetResult(batch[i].ExpectedVersion + 1);
                else batch[i].Conflict();
            }
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
        command.Parameters["$service"].Value = ServiceId;
        command.Parameters["$id"].Value = call.Id.ToString();
        command.Parameters["$socket"].Value = call.Socket;
        command.Parameters["$state"].Value = call.State.ToString();
        command.Parameters["$created"].Value = Timestamp(call.Created);
        command.Parameters["$finished"].Value = call.Finished is { } f ? Timestamp(f) : DBNull.Value;
        command.Parameters["$payload"].Value = ToPayload(call);
        if (command.Parameters.Contains("$version")) command.Parameters["$version"].Value = write.ExpectedVersion;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in new[] { "$service", "$id", "$socket", "$state", "$created", "$finished", "$payload" }) command.Parameters.Add(name, SqliteType.Text);
        return command;
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

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
