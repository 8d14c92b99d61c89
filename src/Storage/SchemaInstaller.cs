using System.Data.Common;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pyfi.Storage;

/// <summary>
/// Applies Pyfi's schema (tables plus the <c>OrleansQuery</c> rows) to a database. Every script is
/// idempotent, so applying on each silo start is safe; on PostgreSQL an advisory lock keeps silos that
/// start together from racing.
/// </summary>
public static class SchemaInstaller
{
    /// <summary>
    /// The scripts for <paramref name="provider"/>, in the order they are applied: listed in
    /// <c>Sql/{Vendor}.order</c>, which deploy/postgres/init-db.sh reads too.
    /// </summary>
    public static IReadOnlyList<string> ScriptNames(StorageProvider provider) =>
        ReadScript(provider == StorageProvider.Sqlite ? "Sqlite.order" : "PostgreSQL.order")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The text of one script.</summary>
    public static string ReadScript(string name)
    {
        using var stream = typeof(SchemaInstaller).Assembly.GetManifestResourceStream($"Pyfi.Storage.Sql.{name}")
            ?? throw new InvalidOperationException($"schema script {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Creates the database file or tables as needed and applies every script. Throws
    /// <see cref="StorageUnavailableException"/> with the reason when the database cannot be reached.
    /// </summary>
    public static async Task ApplyAsync(PyfiDatabase database, CancellationToken cancellationToken = default)
    {
        try
        {
            if (database.Provider == StorageProvider.Sqlite)
            {
                await ApplySqliteAsync(database, cancellationToken);
            }
            else
            {
                await ApplyPostgresAsync(database, cancellationToken);
            }
        }
        catch (DbException e)
        {
            throw new StorageUnavailableException($"could not prepare the database ({database.Describe()}): {e.Message}");
        }
    }

    // Calls live in their own file (see PyfiDatabase.CallsConnectionString); everything else in the main one.
    private static async Task ApplySqliteAsync(PyfiDatabase database, CancellationToken cancellationToken)
    {
        var names = ScriptNames(StorageProvider.Sqlite);
        await ApplySqliteAsync(database.ConnectionString, names.Where(n => !IsCalls(n)), cancellationToken);
        await ApplySqliteAsync(database.CallsConnectionString, names.Where(IsCalls), cancellationToken);

        static bool IsCalls(string script) => script.EndsWith("-Calls.sql", StringComparison.Ordinal);
    }

    private static async Task ApplySqliteAsync(string connectionString, IEnumerable<string> scripts, CancellationToken cancellationToken)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // WAL lets readers run beside the writer; the mode is stored in the file, so once is enough.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var name in scripts)
        {
            await ExecuteAsync(connection, transaction, ReadScript(name), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ApplyPostgresAsync(PyfiDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(7365012);", cancellationToken);
        foreach (var name in ScriptNames(StorageProvider.Postgres))
        {
            await ExecuteAsync(connection, transaction, ReadScript(name), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
