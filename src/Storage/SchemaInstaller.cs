using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pyfi.Storage;

/// <summary>
/// Brings a database to this build's schema with numbered migrations (<c>Sql/PostgreSQL/NNNN-*.sql</c>;
/// <c>Sql/Sqlite/Main/NNNN-*.sql</c> for <c>pyfi.db</c> and <c>Sql/Sqlite/Calls/NNNN-*.sql</c> for
/// <c>pyfi-calls.db</c>). Each database records the migrations it has in <c>PyfiSchema</c>; each missing one is
/// applied in a transaction of its own together with its row, so a start that fails half-way leaves whole
/// migrations behind. A database with a migration this build does not know (made by a newer Pyfi) is refused.
/// On PostgreSQL an advisory lock keeps silos (and <c>pyfi db init</c>) that start together apart.
/// </summary>
public static class SchemaInstaller
{
    // The advisory lock key every Pyfi process (and deploy/postgres/init-db.sh) takes around a migration.
    private const long LockKey = 7365012;

    /// <summary>The migrations of <paramref name="schema"/>, in the order they are applied.</summary>
    public static IReadOnlyList<Migration> Migrations(SchemaName schema)
    {
        var prefix = $"Pyfi.Storage.Sql.{Folder(schema)}/";
        return [.. typeof(SchemaInstaller).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && char.IsAsciiDigit(n[prefix.Length]))
            .Select(n => n[prefix.Length..])
            .Select(file => new Migration(int.Parse(file[..file.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture),
                Path.GetFileNameWithoutExtension(file), ReadScript($"{Folder(schema)}/{file}")))
            .OrderBy(m => m.Version)];
    }

    /// <summary>The text of one script under <c>Sql/</c>, e.g. <c>PostgreSQL/0001-Main.sql</c>.</summary>
    public static string ReadScript(string path)
    {
        using var stream = typeof(SchemaInstaller).Assembly.GetManifestResourceStream($"Pyfi.Storage.Sql.{path}")
            ?? throw new InvalidOperationException($"schema script {path} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Creates the database file or tables as needed and applies every migration the database does not have.
    /// Throws <see cref="StorageUnavailableException"/> with one line when the database cannot be reached, is
    /// damaged, or is newer than this build.
    /// </summary>
    public static Task<IReadOnlyList<SchemaState>> ApplyAsync(PyfiDatabase database, CancellationToken cancellationToken = default) =>
        RunAsync(database, apply: true, cancellationToken);

    /// <summary>
    /// Checks, without changing anything, that the database has exactly this build's migrations (for silos that
    /// may not change the schema: <c>Pyfi:Storage:ApplySchema</c> false). Throws <see cref="StorageUnavailableException"/>
    /// with what to run when it has fewer, and refuses one newer than this build.
    /// </summary>
    public static Task<IReadOnlyList<SchemaState>> VerifyAsync(PyfiDatabase database, CancellationToken cancellationToken = default) =>
        RunAsync(database, apply: false, cancellationToken);

    private static async Task<IReadOnlyList<SchemaState>> RunAsync(PyfiDatabase database, bool apply, CancellationToken cancellationToken)
    {
        if (database.Provider == StorageProvider.Postgres)
        {
            try
            {
                return [await PostgresAsync(database, apply, cancellationToken)];
            }
            catch (DbException e)
            {
                throw new StorageUnavailableException($"could not prepare the database ({database.Describe()}): {e.Message.Split('\n')[0].Trim()}");
            }
        }

        // Calls live in their own file (see PyfiDatabase.CallsConnectionString); everything else in the main one.
        return
        [
            await SqliteAsync(database.ConnectionString, database.SqliteFile, SchemaName.SqliteMain, apply, cancellationToken),
            await SqliteAsync(database.CallsConnectionString, database.CallsFile, SchemaName.SqliteCalls, apply, cancellationToken),
        ];
    }

    private static async Task<SchemaState> SqliteAsync(string connectionString, string file, SchemaName schema, bool apply, CancellationToken cancellationToken)
    {
        try
        {
            if (!apply && !File.Exists(file)) return Check(schema, file, [], apply: false);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            if (apply)
            {
                // WAL lets readers run beside the writer; the mode is stored in the file, so once is enough.
                await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
            }

            // BEGIN IMMEDIATE: the write lock first, so `pyfi db init` beside a silo cannot apply a migration twice.
            return await MigrateAsync(connection, _ => Task.FromResult<DbTransaction>(connection.BeginTransaction(deferred: !apply)), null,
                "Sqlite/PyfiSchema.sql", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'PyfiSchema'", schema, file, apply, cancellationToken);
        }
        catch (SqliteException e)
        {
            throw new StorageUnavailableException(StorageFaults.Describe(e, file));
        }
    }

    private static async Task<SchemaState> PostgresAsync(PyfiDatabase database, bool apply, CancellationToken cancellationToken)
    {
        var where = database.Describe();
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return await MigrateAsync(connection, async token => await connection.BeginTransactionAsync(token), $"SELECT pg_advisory_xact_lock({LockKey});",
            "PostgreSQL/PyfiSchema.sql", "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'pyfischema' AND schemaname = current_schema()",
            SchemaName.Postgres, where, apply, cancellationToken);
    }

    // Applies the missing migrations one transaction each (begun by begin, under lockSql if any), or only checks them.
    private static async Task<SchemaState> MigrateAsync(DbConnection connection, Func<CancellationToken, Task<DbTransaction>> begin, string? lockSql,
        string schemaScript, string tableExists, SchemaName schema, string where, bool apply, CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        while (true)
        {
            await using var transaction = await begin(cancellationToken);
            if (lockSql is not null) await ExecuteAsync(connection, transaction, lockSql, cancellationToken);
            if (apply) await ExecuteAsync(connection, transaction, ReadScript(schemaScript), cancellationToken);
            var state = Check(schema, where, await VersionsAsync(connection, transaction, tableExists, cancellationToken), apply);
            if (!apply || state.Missing.Count == 0)
            {
                await transaction.CommitAsync(cancellationToken);
                return state with { Applied = applied };
            }

            var next = state.Missing[0];
            await ExecuteAsync(connection, transaction, next.Script, cancellationToken);
            await RecordAsync(connection, transaction, next, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            applied.Add(next.Version);
        }
    }

    // The versions recorded in PyfiSchema; none when the table does not exist (a database from before migrations).
    private static async Task<IReadOnlyList<int>> VersionsAsync(DbConnection connection, DbTransaction transaction, string tableExists, CancellationToken cancellationToken)
    {
        await using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = tableExists;
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0) return [];
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT Version FROM PyfiSchema ORDER BY Version";
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) versions.Add(reader.GetInt32(0));
        return versions;
    }

    // What the database has against what this build knows; refuses a newer one, and (verifying) an older one.
    private static SchemaState Check(SchemaName schema, string where, IReadOnlyList<int> has, bool apply)
    {
        var known = Migrations(schema);
        var latest = known[^1].Version;
        var version = has.Count == 0 ? 0 : has.Max();
        if (has.Except(known.Select(m => m.Version)).Any())
        {
            throw new StorageUnavailableException(
                $"{where} has schema version {version}, newer than this build of Pyfi knows ({latest}): run the Pyfi that made it, or restore a backup made for this one");
        }

        var missing = known.Where(m => !has.Contains(m.Version)).ToList();
        if (!apply && missing.Count > 0)
        {
            throw new StorageUnavailableException(
                $"{where} has schema version {version}, this build of Pyfi needs {latest}: run `pyfi db init` (or deploy/postgres/init-db.sh) first, or let the silo apply it (Pyfi:Storage:ApplySchema)");
        }

        return new SchemaState(schema, where, latest, missing, []);
    }

    private static async Task RecordAsync(DbConnection connection, DbTransaction transaction, Migration migration, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO PyfiSchema (Version, Name) VALUES (@version, @name)";
        var version = command.CreateParameter();
        version.ParameterName = "@version";
        version.Value = migration.Version;
        command.Parameters.Add(version);
        var name = command.CreateParameter();
        name.ParameterName = "@name";
        name.Value = migration.Name;
        command.Parameters.Add(name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Folder(SchemaName schema) => schema switch
    {
        SchemaName.SqliteMain => "Sqlite/Main",
        SchemaName.SqliteCalls => "Sqlite/Calls",
        _ => "PostgreSQL",
    };
}

/// <summary>Which set of migrations: a database has one (PostgreSQL), or one per file (SQLite).</summary>
public enum SchemaName
{
    /// <summary>The PostgreSQL database (<c>Sql/PostgreSQL</c>).</summary>
    Postgres,

    /// <summary>SQLite's main file, <c>pyfi.db</c> (<c>Sql/Sqlite/Main</c>).</summary>
    SqliteMain,

    /// <summary>SQLite's calls file, <c>pyfi-calls.db</c> (<c>Sql/Sqlite/Calls</c>).</summary>
    SqliteCalls,
}

/// <summary>One numbered migration: <c>NNNN-Name.sql</c>.</summary>
/// <param name="Version">Its number; the database's schema version is the highest it has.</param>
/// <param name="Name">The file's name without <c>.sql</c>, e.g. <c>0006-Tokens</c>.</param>
/// <param name="Script">The SQL, run in one transaction with its row in <c>PyfiSchema</c>.</param>
public sealed record Migration(int Version, string Name, string Script);

/// <summary>A database (or SQLite file) after <see cref="SchemaInstaller"/> looked at it.</summary>
/// <param name="Schema">Which migrations.</param>
/// <param name="Where">The file, or the server and database.</param>
/// <param name="Version">The schema version it has now: this build's latest.</param>
/// <param name="Missing">Migrations it did not have when looked at (applied since, unless verifying).</param>
/// <param name="Applied">The versions applied by this run.</param>
public sealed record SchemaState(SchemaName Schema, string Where, int Version, IReadOnlyList<Migration> Missing, IReadOnlyList<int> Applied);
