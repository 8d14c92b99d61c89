using Npgsql;
using NpgsqlTypes;

namespace Pyfi.Storage.Calls;

/// <summary>Calls in PostgreSQL. A group of writes goes to the server as one batch in one transaction: one round trip.</summary>
internal sealed class PostgresCallStore(PyfiDatabase database, string serviceId) : CallStore(serviceId)
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(database.ConnectionString);

    public override async Task<(CallInfo Call, int Version)?> ReadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT Payload, Version FROM PyfiCalls WHERE ServiceId = $1 AND Id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (FromPayload(reader.GetString(0)), reader.GetInt32(1)) : null;
    }

    public override async Task<IReadOnlyList<(CallInfo Call, int Version)>> ListAsync(string socket, IReadOnlyCollection<CallState> states, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand(
            "SELECT Payload, Version FROM PyfiCalls WHERE ServiceId = $1 AND Socket = $2 AND State = ANY($3) ORDER BY Created LIMIT $4");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = socket });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. states.Select(s => s.ToString())] });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var calls = new List<(CallInfo, int)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) calls.Add((FromPayload(reader.GetString(0)), reader.GetInt32(1)));
        return calls;
    }

    protected override async Task CommitAsync(IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var commands = new NpgsqlBatch(connection, transaction);
        foreach (var write in batch)
        {
            var call = write.Call;
            var command = write.ExpectedVersion == 0
                ? new NpgsqlBatchCommand(
                    "INSERT INTO PyfiCalls (ServiceId, Id, Socket, State, Created, Finished, Version, Payload) " +
                    "VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT DO NOTHING")
                : new NpgsqlBatchCommand(
                    "UPDATE PyfiCalls SET Socket = $3, State = $4, Created = $5, Finished = $6, Version = Version + 1, Payload = $7 " +
                    "WHERE ServiceId = $1 AND Id = $2 AND Version = $8");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = call.Id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = call.Socket });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = call.State.ToString() });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = call.Created.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)call.Finished?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ToPayload(call) });
            if (write.ExpectedVersion != 0) command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = write.ExpectedVersion });
            commands.BatchCommands.Add(command);
        }

        await commands.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        for (var i = 0; i < batch.Count; i++)
        {
            if (commands.BatchCommands[i].RecordsAffected == 1) batch[i].Done.TrySetResult(batch[i].ExpectedVersion + 1);
            else batch[i].Conflict();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _source.DisposeAsync();
    }
}
