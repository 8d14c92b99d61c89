using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pyfi.Storage.Definitions;

/// <summary>
/// The registry's catalogue in <c>PyfiDefinitions</c> (one row per definition) and <c>PyfiRegistry</c> (one row of
/// counters per network), in SQLite's main file or PostgreSQL. The registry reads it all when it activates and
/// keeps it in memory; a change writes only the definitions it touches and the counters row, in one transaction
/// (the registry's commit point), so its cost follows the size of the change, not of the catalogue.
/// </summary>
public sealed class DefinitionStore(PyfiDatabase database, string serviceId)
{
    private readonly DbProviderFactory _factory = database.Provider == StorageProvider.Sqlite ? SqliteFactory.Instance : NpgsqlFactory.Instance;

    /// <summary>
    /// The stored catalogue, or <see langword="null"/> when this network's registry has never committed here (a new
    /// network, or one whose catalogue is still in the one-row grain state of older builds).
    /// </summary>
    public Task<StoredCatalogue?> LoadAsync(CancellationToken cancellationToken = default) => UseAsync(async connection =>
    {
        // One transaction, so the counters and the rows are of the same commit. On SQLite a deferred one: a read
        // that took the write lock (the driver's default) would hold off every grain state write while it reads.
        await using var transaction = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: true)
            : await connection.BeginTransactionAsync(cancellationToken);
        StoredCatalogue? catalogue = null;
        await using (var command = Command(connection, transaction, "SELECT Version, Revision, Unsynced FROM PyfiRegistry WHERE ServiceId = @service"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                catalogue = new StoredCatalogue(reader.GetInt64(0), reader.GetInt64(1), UnsyncedJson.Read(reader.GetString(2)), []);
            }
        }

        if (catalogue is null) return null;
        var definitions = new List<StoredDefinition>();
        await using (var command = Command(connection, transaction, "SELECT Kind, Name, Revision, Created, Updated, Spec FROM PyfiDefinitions WHERE ServiceId = @service"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                definitions.Add(new StoredDefinition(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                    reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return catalogue with { Definitions = definitions };
    }, cancellationToken);

    /// <summary>
    /// Writes <paramref name="change"/> in one transaction if the stored catalogue is still at <paramref name="version"/>
    /// (0: nothing stored yet) and returns the version it is at now. Throws <see cref="DefinitionConflictException"/>
    /// (nothing written) when it is not: another registry wrote meanwhile; <see cref="StorageUnavailableException"/>
    /// when the database fails (then the change may or may not have been stored).
    /// </summary>
    public Task<long> CommitAsync(long version, CatalogueChange change, CancellationToken cancellationToken = default) => UseAsync(async connection =>
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The counters first: on PostgreSQL its row lock keeps two writers of one network in line.
        var counters = version == 0
            ? "INSERT INTO PyfiRegistry (ServiceId, Revision, Unsynced, Version) VALUES (@service, @revision, @unsynced, 1) ON CONFLICT DO NOTHING"
            : "UPDATE PyfiRegistry SET Revision = @revision, Unsynced = @unsynced, Version = @version + 1 WHERE ServiceId = @service AND Version = @version";
        await using (var command = Command(connection, transaction, counters))
        {
            Add(command, "revision", change.Revision);
            Add(command, "unsynced", UnsyncedJson.Write(change.Unsynced));
            Add(command, "version", version);
            if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                throw new DefinitionConflictException(version);
            }
        }

        if (database.Provider == StorageProvider.Postgres) await WritePostgresAsync(connection, transaction, change, cancellationToken);
        else await WriteSqliteAsync(connection, transaction, change, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return version + 1;
    }, cancellationToken);

    // SQLite is in the process: a statement per row costs microseconds.
    private async Task WriteSqliteAsync(DbConnection connection, DbTransaction transaction, CatalogueChange change, CancellationToken cancellationToken)
    {
        if (change.Upserts.Count > 0)
        {
            await using var upsert = Command(connection, transaction, $"INSERT INTO PyfiDefinitions {UpsertColumns} VALUES (@service, @kind, @name, @revision, @created, @updated, @spec) {OnConflict}");
            var (kind, name, revision, created, updated, spec) = (Add(upsert, "kind", ""), Add(upsert, "name", ""), Add(upsert, "revision", 0L),
                Add(upsert, "created", DateTimeOffset.UnixEpoch), Add(upsert, "updated", DateTimeOffset.UnixEpoch), Add(upsert, "spec", ""));
            foreach (var definition in change.Upserts)
            {
                kind.Value = definition.Kind;
                name.Value = definition.Name;
                revision.Value = definition.Revision;
                created.Value = definition.Created.ToUniversalTime();
                updated.Value = definition.Updated.ToUniversalTime();
                spec.Value = definition.Spec;
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (change.Deletes.Count > 0)
        {
            await using var delete = Command(connection, transaction, "DELETE FROM PyfiDefinitions WHERE ServiceId = @service AND Kind = @kind AND Name = @name");
            var (kind, name) = (Add(delete, "kind", ""), Add(delete, "name", ""));
            foreach (var key in change.Deletes)
            {
                kind.Value = key.Kind;
                name.Value = key.Name;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    // PostgreSQL is a round trip away: each kind of write is one statement over arrays, however many rows it has
    // (a network apply of 10,000 definitions took 27 s as a statement per row on a busy 2-core machine).
    private async Task WritePostgresAsync(DbConnection connection, DbTransaction transaction, CatalogueChange change, CancellationToken cancellationToken)
    {
        if (change.Upserts.Count > 0)
        {
            await using var upsert = Command(connection, transaction,
                $"INSERT INTO PyfiDefinitions {UpsertColumns} SELECT @service, * FROM unnest(@kind, @name, @revision, @created, @updated, @spec) {OnConflict}");
            var rows = change.Upserts;
            Add(upsert, "kind", rows.Select(d => d.Kind).ToArray());
            Add(upsert, "name", rows.Select(d => d.Name).ToArray());
            Add(upsert, "revision", rows.Select(d => d.Revision).ToArray());
            Add(upsert, "created", rows.Select(d => d.Created.ToUniversalTime()).ToArray());
            Add(upsert, "updated", rows.Select(d => d.Updated.ToUniversalTime()).ToArray());
            Add(upsert, "spec", rows.Select(d => d.Spec).ToArray());
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (change.Deletes.Count > 0)
        {
            await using var delete = Command(connection, transaction,
                "DELETE FROM PyfiDefinitions d USING unnest(@kind, @name) AS gone (Kind, Name) WHERE d.ServiceId = @service AND d.Kind = gone.Kind AND d.Name = gone.Name");
            Add(delete, "kind", change.Deletes.Select(k => k.Kind).ToArray());
            Add(delete, "name", change.Deletes.Select(k => k.Name).ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private const string UpsertColumns = "(ServiceId, Kind, Name, Revision, Created, Updated, Spec)";

    private const string OnConflict =
        "ON CONFLICT (ServiceId, Kind, Name) DO UPDATE SET Revision = excluded.Revision, Created = excluded.Created, Updated = excluded.Updated, Spec = excluded.Spec";

    private DbCommand Command(DbConnection connection, DbTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Add(command, "service", serviceId);
        return command;
    }

    private static DbParameter Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    // Driver failures become StorageUnavailableException: a client is told the database is away, never a driver's type.
    private async Task<T> UseAsync<T>(Func<DbConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = _factory.CreateConnection()!;
            connection.ConnectionString = database.ConnectionString;
            await connection.OpenAsync(cancellationToken);
            return await body(connection);
        }
        catch (DbException e)
        {
            throw StorageFaults.Unavailable(e, database);
        }
    }
}
