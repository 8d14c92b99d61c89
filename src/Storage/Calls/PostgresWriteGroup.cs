using Npgsql;
using NpgsqlTypes;

namespace Pyfi.Storage.Calls;

/// <summary>
/// One group commit's writes as a few multi-row statements. Written one statement per write, PostgreSQL spent most of
/// a call's cost parsing, planning and executing a statement per change; here each kind of write (new calls, guarded
/// transitions, lease renewals) is one statement over arrays (<c>unnest</c>), whatever the number of calls.
/// A call may have several writes in one group (inserted, started, ended): its k-th write goes in layer k, and the
/// layers run in order, so each call's writes are applied in the order they were made, each under its own guard,
/// exactly as one statement per write did. Every statement says which rows it changed (<c>RETURNING</c>), which is
/// each write's outcome. The statements go as one batch: one round trip, one implicit transaction.
/// </summary>
internal static class PostgresWriteGroup
{
    // An end's position (see 0008-Follow.sql): its transaction's id, then its place among the group's ends; -1 for other writes.
    private const string Position = "CASE WHEN u.EndIx >= 0 THEN pg_current_xact_id()::text::bigint * 1024 + u.EndIx END";

    // New calls in the group's order, so of two with one idempotency key the first is stored, as one by one.
    private const string Insert =
        "INSERT INTO PyfiCalls (ServiceId, Id, Socket, State, Attempt, LeaseUntil, IdemKey, Workflow, Created, Finished, Version, Payload, Run, Deliver, EndPos) " +
        "SELECT $1, u.Id, u.Socket, u.State, u.Attempt, u.LeaseUntil, u.IdemKey, u.Workflow, u.Created, u.Finished, 1, u.Payload, u.Run, 0, " + Position + " " +
        "FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::text[], $8::uuid[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::uuid[], $13::int[]) " +
        "WITH ORDINALITY AS u(Id, Socket, State, Attempt, LeaseUntil, IdemKey, Workflow, Created, Finished, Payload, Run, EndIx, Ord) " +
        "ORDER BY u.Ord ON CONFLICT DO NOTHING RETURNING Id";

    private const string Transition =
        "UPDATE PyfiCalls AS c SET State = u.State, Attempt = u.Attempt, LeaseUntil = u.LeaseUntil, Finished = u.Finished, Version = c.Version + 1, " +
        "Payload = u.Payload, Deliver = u.Deliver, EndPos = COALESCE(c.EndPos, " + Position + ") " +
        "FROM unnest($2::uuid[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::int[], $10::smallint[], $11::int[]) " +
        "AS u(Id, State, Attempt, LeaseUntil, Finished, Payload, FromState, FromAttempt, Deliver, EndIx) " +
        "WHERE c.ServiceId = $1 AND c.Id = u.Id AND c.State = u.FromState AND c.Attempt = u.FromAttempt RETURNING c.Id";

    private const string Renew =
        "UPDATE PyfiCalls AS c SET LeaseUntil = u.LeaseUntil " +
        "FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::int[]) AS u(Id, LeaseUntil, FromState, FromAttempt) " +
        "WHERE c.ServiceId = $1 AND c.Id = u.Id AND c.State = u.FromState AND c.Attempt = u.FromAttempt RETURNING c.Id";

    /// <summary>
    /// Writes <paramref name="batch"/> for <paramref name="serviceId"/> in one transaction on a connection of
    /// <paramref name="source"/>, and sets each write's outcome (whether its row changed) once it has committed.
    /// Throws when the transaction fails as a whole (then nothing of it is stored, and no outcome is set).
    /// </summary>
    public static async Task CommitAsync(NpgsqlDataSource source, string serviceId, IReadOnlyList<CallWrite> batch, CancellationToken cancellationToken)
    {
        var statements = Plan(batch);
        var changed = new bool[batch.Count];
        await using (var connection = await source.OpenConnectionAsync(cancellationToken))
        {
            // No explicit transaction: a batch runs in an implicit one (everything up to its Sync), without BEGIN and COMMIT.
            await using var commands = new NpgsqlBatch(connection);
            foreach (var statement in statements) commands.BatchCommands.Add(Command(serviceId, batch, statement));
            await using (var reader = await commands.ExecuteReaderAsync(cancellationToken))
            {
                foreach (var statement in statements)
                {
                    // Within a statement a call appears once: the ids it returns are the writes that changed their rows.
                    var byId = new Dictionary<Guid, int>(statement.Writes.Count);
                    foreach (var i in statement.Writes) byId[batch[i].Call.Id] = i;
                    while (await reader.ReadAsync(cancellationToken)) changed[byId[reader.GetGuid(0)]] = true;
                    await reader.NextResultAsync(cancellationToken);
                }
            }
        }

        // Only now is the transaction known to have committed (its end is read with the reader's last result).
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(changed[i]);
    }

    /// <summary>One statement of a group: a kind of write in one layer, and the writes (indexes into the group) it holds, in order.</summary>
    /// <param name="Layer">Which of its calls' writes it holds: 0 for each call's first in the group, 1 for the second, …</param>
    /// <param name="Kind">Insert, transition or renewal.</param>
    /// <param name="Writes">Indexes into the group, in the group's order.</param>
    /// <param name="EndIndexes">For each of <paramref name="Writes"/>: its place among the group's ends, or -1 when it is not one.</param>
    internal sealed record Statement(int Layer, CallWriteKind Kind, List<int> Writes, List<int> EndIndexes);

    /// <summary>The statements <paramref name="batch"/> becomes, in the order they run: layer by layer, and within a layer inserts, transitions, renewals.</summary>
    internal static List<Statement> Plan(IReadOnlyList<CallWrite> batch)
    {
        var seen = new Dictionary<Guid, int>(batch.Count);
        var layers = new List<Statement?[]>();
        var ends = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            seen.TryGetValue(write.Call.Id, out var layer);
            seen[write.Call.Id] = layer + 1;
            while (layers.Count <= layer) layers.Add(new Statement?[3]);
            var kind = (int)write.Kind;
            var statement = layers[layer][kind] ??= new Statement(layer, write.Kind, [], []);
            statement.Writes.Add(i);
            statement.EndIndexes.Add(EndedCalls.IsEnd(write) ? ends++ : -1);
        }

        return [.. layers.SelectMany(l => l).OfType<Statement>()];
    }

    private static NpgsqlBatchCommand Command(string serviceId, IReadOnlyList<CallWrite> batch, Statement statement)
    {
        var calls = statement.Writes.Select(i => batch[i].Call).ToArray();
        var command = new NpgsqlBatchCommand(statement.Kind switch { CallWriteKind.Insert => Insert, CallWriteKind.Transition => Transition, _ => Renew });
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. calls.Select(c => c.Id)] });
        if (statement.Kind == CallWriteKind.Renew)
        {
            parameters.Add(Times(calls.Select(c => c.LeaseUntil)));
            AddGuards(parameters, batch, statement);
            return command;
        }

        if (statement.Kind == CallWriteKind.Insert) parameters.Add(Texts(calls.Select(SocketPartitions.KeyOf)));
        parameters.Add(Texts(calls.Select(c => c.State.ToString())));
        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. calls.Select(c => c.Attempts)] });
        parameters.Add(Times(calls.Select(c => c.LeaseUntil)));
        if (statement.Kind == CallWriteKind.Insert)
        {
            parameters.Add(Texts(calls.Select(c => c.Key)));
            parameters.Add(Uuids(calls.Select(c => c.Workflow)));
            parameters.Add(Times(calls.Select(c => (DateTimeOffset?)c.Created)));
        }

        parameters.Add(Times(calls.Select(c => c.Finished)));
        parameters.Add(Texts(calls.Select(StoredCall.Write)));
        if (statement.Kind == CallWriteKind.Insert)
        {
            parameters.Add(Uuids(calls.Select(c => c.Run)));
        }
        else
        {
            AddGuards(parameters, batch, statement);
            parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. calls.Select(c => (short)(c.Deliveries.IsEmpty ? 0 : 1))] });
        }

        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. statement.EndIndexes] });
        return command;
    }

    // The state and attempt each row must be at.
    private static void AddGuards(NpgsqlParameterCollection parameters, IReadOnlyList<CallWrite> batch, Statement statement)
    {
        parameters.Add(Texts(statement.Writes.Select(i => batch[i].From.ToString())));
        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. statement.Writes.Select(i => batch[i].FromAttempt)] });
    }

    private static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter Uuids(IEnumerable<Guid?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };

    private static NpgsqlParameter Times(IEnumerable<DateTimeOffset?> values) =>
        new() { Value = values.Select(t => t?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };
}
