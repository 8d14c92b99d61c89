using Npgsql;
using NpgsqlTypes;

namespace Pyfi.Storage.Calls;

/// <summary>Calls in PostgreSQL. A group of writes goes to the server as a few multi-row statements in one transaction: one round trip (see <see cref="PostgresWriteGroup"/>).</summary>
internal sealed class PostgresCallStore(PyfiDatabase database, string serviceId, TimeProvider? time = null, int writers = 1) : CallStore(serviceId, time, writers)
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(database.ConnectionString);

    public override async Task<CallInfo?> ReadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var calls = await SelectAsync("WHERE ServiceId = $1 AND Id = $2", cancellationToken, new NpgsqlParameter<Guid> { TypedValue = id });
        return calls.Count == 0 ? null : calls[0];
    }

    public override async Task<CallInfo?> FindByKeyAsync(string socket, string key, CancellationToken cancellationToken = default)
    {
        // By the socket's name across its partitions: the expression of UX_PyfiCalls_SocketKey (0012-PartitionKeys.sql).
        var calls = await SelectAsync("WHERE ServiceId = $1 AND split_part(Socket, '@', 1) = $2 AND IdemKey = $3", cancellationToken,
            new NpgsqlParameter<string> { TypedValue = socket }, new NpgsqlParameter<string> { TypedValue = key });
        return calls.Count == 0 ? null : calls[0];
    }

    public override Task<IReadOnlyList<CallInfo>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $1 AND Socket = $2 AND State = ANY($3) ORDER BY Created LIMIT $4", cancellationToken,
            new NpgsqlParameter<string> { TypedValue = socket },
            new NpgsqlParameter<string[]> { TypedValue = [.. states.Select(s => s.ToString())] },
            new NpgsqlParameter<int> { TypedValue = limit });

    public override Task<IReadOnlyList<CallInfo>> ListQueuedAsync(string socket, QueueKey? after, int limit, CancellationToken cancellationToken = default) =>
        // The literal state lets PostgreSQL use the partial index IX_PyfiCalls_Queue (0010-Queue.sql): no sort, LIMIT rows read.
        after is { } key
            ? SelectAsync("WHERE ServiceId = $1 AND Socket = $2 AND State = 'Queued' AND (Created, Id) > ($4, $5) ORDER BY Created, Id LIMIT $3", cancellationToken,
                new NpgsqlParameter<string> { TypedValue = socket }, new NpgsqlParameter<int> { TypedValue = limit }, Time(key.Created), new NpgsqlParameter<Guid> { TypedValue = key.Id })
            : SelectAsync("WHERE ServiceId = $1 AND Socket = $2 AND State = 'Queued' ORDER BY Created, Id LIMIT $3", cancellationToken,
                new NpgsqlParameter<string> { TypedValue = socket }, new NpgsqlParameter<int> { TypedValue = limit });

    public override Task<QueueKey?> LastQueuedAsync(string socket, CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand("SELECT Created, Id FROM PyfiCalls WHERE ServiceId = $1 AND Socket = $2 AND State = 'Queued' ORDER BY Created DESC, Id DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = socket });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return (QueueKey?)null;
        return new QueueKey(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), reader.GetGuid(1));
    });

    public override Task<long> CountOpenAsync(string socket, CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand("SELECT COUNT(*) FROM PyfiCalls WHERE ServiceId = $1 AND Socket = $2 AND State IN ('Queued', 'Running')");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = socket });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    });

    public override Task<IReadOnlyList<string>> SocketsWithOpenCallsAsync(CancellationToken cancellationToken = default) =>
        OpenCallsByAsync("Socket", reader => reader.GetString(0), cancellationToken);

    public override Task<IReadOnlyList<string>> SocketsWithDeliveriesAsync(CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand("SELECT DISTINCT Socket FROM PyfiCalls WHERE ServiceId = $1 AND Deliver = 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        var sockets = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) sockets.Add(reader.GetString(0));
        return (IReadOnlyList<string>)sockets;
    });

    public override Task<IReadOnlyList<CallInfo>> ListWithDeliveriesAsync(string socket, int limit, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $1 AND Socket = $2 AND Deliver = 1 ORDER BY Created LIMIT $3", cancellationToken,
            new NpgsqlParameter<string> { TypedValue = socket }, new NpgsqlParameter<int> { TypedValue = limit });

    public override Task<IReadOnlyList<CallInfo>> ListByRunAsync(Guid run, int limit, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $1 AND Run = $2 ORDER BY Created LIMIT $3", cancellationToken,
            new NpgsqlParameter<Guid> { TypedValue = run }, new NpgsqlParameter<int> { TypedValue = limit });

    public override Task<IReadOnlyList<CallInfo>> ListByWorkflowAsync(Guid workflow, CancellationToken cancellationToken = default) =>
        SelectAsync("WHERE ServiceId = $1 AND Workflow = $2 ORDER BY Created", cancellationToken, new NpgsqlParameter<Guid> { TypedValue = workflow });

    public override Task<IReadOnlyList<Guid>> WorkflowsWithOpenCallsAsync(CancellationToken cancellationToken = default) =>
        OpenCallsByAsync("Workflow", reader => reader.GetGuid(0), cancellationToken);

    // The distinct values of a column (Socket, Workflow) over the calls not ended.
    private Task<IReadOnlyList<T>> OpenCallsByAsync<T>(string column, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand($"SELECT DISTINCT {column} FROM PyfiCalls WHERE ServiceId = $1 AND State IN ('Queued', 'Running') AND {column} IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        var values = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) values.Add(read(reader));
        return (IReadOnlyList<T>)values;
    });

    public override Task<IReadOnlyList<CallInfo>> QueryAsync(CallQuery query, CancellationToken cancellationToken = default)
    {
        var parameters = new List<NpgsqlParameter>();
        var where = "WHERE ServiceId = $1";
        if (query.Socket is { } socket)
        {
            // Its calls in any of its partitions (see SocketPartitions).
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = SocketPartitions.AllKeys(socket) });
            where += $" AND Socket = ANY(${parameters.Count + 1})";
        }

        if (query.State is { } state)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = state.ToString() });
            where += $" AND State = ${parameters.Count + 1}";
        }

        if (query.Since is { } since)
        {
            parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = since.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            where += $" AND Created >= ${parameters.Count + 1}";
        }

        if (query.Run is { } run)
        {
            parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
            where += $" AND Run = ${parameters.Count + 1}";
        }

        parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        return SelectAsync($"{where} ORDER BY Created DESC LIMIT ${parameters.Count + 1}", cancellationToken, [.. parameters]);
    }

    // Positions are transaction ids times 1024, so a window of positions is one of transactions.
    protected override long EndSpan => 100_000L * 1024;

    // Transaction ids are given out as transactions begin: below the oldest one still running, every transaction has
    // committed or rolled back, so no end at a lower position can appear any more.
    protected override Task<long> EndedThroughAsync(CancellationToken cancellationToken) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
        var oldestRunning = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return oldestRunning * 1024 - 1;
    });

    protected override Task<IReadOnlyList<EndedRow>> ReadEndsAsync(FollowTarget target, long after, long through, int limit, CancellationToken cancellationToken) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand(target.Socket is not null
            ? "SELECT EndPos, Payload, LeaseUntil FROM PyfiCalls WHERE ServiceId = $1 AND EndPos > $2 AND EndPos <= $3 AND Socket = ANY($4) ORDER BY EndPos LIMIT $5"
            : "SELECT EndPos, Payload, LeaseUntil FROM PyfiCalls WHERE ServiceId = $1 AND EndPos > $2 AND EndPos <= $3 AND Run = $4 ORDER BY EndPos LIMIT $5");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = through });
        command.Parameters.Add(target.Socket is { } socket ? new NpgsqlParameter<string[]> { TypedValue = SocketPartitions.AllKeys(socket) } : new NpgsqlParameter<Guid> { TypedValue = target.Run!.Value });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var rows = new List<EndedRow>();
        long bytes = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (!EndedCalls.Enough(bytes) && await reader.ReadAsync(cancellationToken))
        {
            var payload = reader.GetString(1);
            bytes += payload.Length;
            rows.Add(new EndedRow(reader.GetInt64(0), FromRow(payload, reader.IsDBNull(2) ? null : new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero)), payload.Length));
        }

        return (IReadOnlyList<EndedRow>)rows;
    });

    public override Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default) => TranslateAsync(async () =>
    {
        // A call ends after it is created, so "created before" finds the candidates by IX_PyfiCalls_Created: an index on
        // Finished, updated by every end, was kept for this query alone (dropped in 0009-CallIndexes.sql).
        await using var command = _source.CreateCommand(
            "DELETE FROM PyfiCalls WHERE ServiceId = $1 AND Id IN (SELECT Id FROM PyfiCalls WHERE ServiceId = $1 " +
            "AND Created < $2 AND Finished IS NOT NULL AND Finished < $2 AND State IN ('Succeeded', 'Failed', 'Cancelled') AND Deliver = 0 LIMIT $3)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    });

    // A group's writes become a few statements over arrays (see PostgresWriteGroup), not one statement per write.
    protected override Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken) =>
        PostgresWriteGroup.CommitAsync(_source, ServiceId, batch, cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _source.DisposeAsync();
    }

    private static NpgsqlParameter Time(DateTimeOffset at) => new() { Value = at.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private Task<IReadOnlyList<CallInfo>> SelectAsync(string where, CancellationToken cancellationToken, params NpgsqlParameter[] parameters) => TranslateAsync(async () =>
    {
        await using var command = _source.CreateCommand($"SELECT Payload, LeaseUntil FROM PyfiCalls {where}");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        foreach (var parameter in parameters) command.Parameters.Add(parameter);
        var calls = new List<CallInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            calls.Add(FromRow(reader.GetString(0), reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)));
        }

        return (IReadOnlyList<CallInfo>)calls;
    });

    // A driver failure on a read becomes one line naming the database (a client never sees Npgsql's types).
    private async Task<T> TranslateAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (StorageFaults.IsDriverFailure(e))
        {
            throw StorageFaults.Unavailable(e, database);
        }
    }
}
