using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pyfi.Storage;

/// <summary>The database a network uses: provider, connection string, and the ADO.NET invariant Orleans needs for it.</summary>
/// <param name="Provider">SQLite or PostgreSQL.</param>
/// <param name="ConnectionString">Ready to use: the SQLite file path, or the Npgsql string with its pool budget.</param>
public sealed record PyfiDatabase(StorageProvider Provider, string ConnectionString)
{
    /// <summary>
    /// Where the calls table is. On SQLite a file of its own beside the main one (<c>pyfi-calls.db</c> beside
    /// <c>pyfi.db</c>): SQLite has one writer per file, and the calls' group commits would otherwise contend with
    /// Orleans' grain state and reminder writes, and a write that finds the file locked sleeps 150 ms in the
    /// driver (Microsoft.Data.Sqlite's busy retry) before it tries again. On PostgreSQL the same database.
    /// </summary>
    public string CallsConnectionString { get; init; } = ConnectionString;

    /// <summary>The main SQLite file (grain state, reminders, tokens); meaningless on PostgreSQL.</summary>
    public string SqliteFile => new SqliteConnectionStringBuilder(ConnectionString).DataSource;

    /// <summary>The SQLite file of the task calls (<see cref="CallsConnectionString"/>); meaningless on PostgreSQL.</summary>
    public string CallsFile => new SqliteConnectionStringBuilder(CallsConnectionString).DataSource;

    /// <summary>Most bytes a SQLite file's write-ahead log may hold before the silo empties it (see <see cref="PyfiStorageOptions.WalLimit"/>).</summary>
    public long WalLimit { get; init; } = PyfiStorageOptions.DefaultWalLimit;

    /// <summary>How hard SQLite flushes the calls it stores (ignored for PostgreSQL, whose server decides).</summary>
    public SqliteSync SqliteSync { get; init; } = SqliteSync.Normal;

    /// <summary>
    /// The name Orleans' ADO.NET providers know the driver by. SQLite is <c>System.Data.SQLite</c> even though
    /// the driver is Microsoft.Data.Sqlite (Orleans maps that name to it).
    /// </summary>
    public string Invariant => Provider == StorageProvider.Sqlite ? "System.Data.SQLite" : "Npgsql";

    /// <summary>Where the database is, without secrets, for logs and messages.</summary>
    public string Describe() => Provider switch
    {
        StorageProvider.Sqlite => $"sqlite {SqliteFile}",
        _ => DescribePostgres(ConnectionString),
    };

    /// <summary>Resolves the database from storage options and the data folder; throws <see cref="InvalidSpecException"/> when they are incomplete.</summary>
    public static PyfiDatabase From(PyfiStorageOptions options, string dataPath)
    {
        if (options.Provider == StorageProvider.Sqlite)
        {
            var file = Path.GetFullPath(Path.Combine(dataPath, options.SqliteFile));
            var sqlite = new SqliteConnectionStringBuilder
            {
                DataSource = file,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                // Seconds a statement waits for a lock held by another connection before it fails.
                DefaultTimeout = 30,
            };
            var calls = new SqliteConnectionStringBuilder(sqlite.ConnectionString)
            {
                DataSource = Path.Combine(Path.GetDirectoryName(file)!, $"{Path.GetFileNameWithoutExtension(file)}-calls{Path.GetExtension(file)}"),
            };
            return new PyfiDatabase(StorageProvider.Sqlite, sqlite.ConnectionString)
            {
                CallsConnectionString = calls.ConnectionString,
                SqliteSync = options.SqliteSync,
                WalLimit = options.WalLimit,
            };
        }

        if (string.IsNullOrWhiteSpace(options.Postgres))
        {
            throw new InvalidSpecException("PYFI_STORAGE is postgres but no connection string is set (PYFI_POSTGRES or Pyfi:Storage:Postgres)");
        }

        NpgsqlConnectionStringBuilder postgres;
        try
        {
            postgres = new NpgsqlConnectionStringBuilder(options.Postgres);
        }
        catch (ArgumentException e)
        {
            throw new InvalidSpecException($"the PostgreSQL connection string is malformed: {e.Message}");
        }

        // The user's own pool size wins; otherwise each process takes its budgeted share.
        var given = new DbConnectionStringBuilder { ConnectionString = options.Postgres };
        if (!PoolSizeKeys.Any(given.ContainsKey))
        {
            postgres.MaxPoolSize = options.MaxPoolSize;
        }

        return new PyfiDatabase(StorageProvider.Postgres, postgres.ConnectionString);
    }

    private static readonly string[] PoolSizeKeys = ["Maximum Pool Size", "Max Pool Size", "MaxPoolSize"];

    private static string DescribePostgres(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres {b.Host}:{b.Port}/{b.Database}";
    }
}
