using System.Data.Common;
using Microsoft.Data.Sqlite;
using Pyfi.Storage;

namespace Pyfi.Tests.Infrastructure;

/// <summary>A database of one kind for one test: the embedded SQLite file or a PostgreSQL database.</summary>
public abstract class StorageBackend : IAsyncDisposable
{
    /// <summary>The database as Pyfi's silo takes it.</summary>
    public abstract PyfiDatabase Database { get; }

    /// <summary>Runs <paramref name="sql"/> and returns the first column of each row.</summary>
    public abstract Task<List<object?>> QueryAsync(string sql);

    /// <summary>Creates an empty database of <paramref name="provider"/>.</summary>
    public static async Task<StorageBackend> CreateAsync(StorageProvider provider) => provider == StorageProvider.Sqlite
        ? new SqliteBackend()
        : new PostgresBackend(await PostgresDatabase.CreateAsync());

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private sealed class SqliteBackend : StorageBackend
    {
        private readonly TempDirectory _folder = new("pyfi-sqlite");

        public SqliteBackend() =>
            Database = PyfiDatabase.From(new PyfiStorageOptions { Provider = StorageProvider.Sqlite }, _folder.Path);

        public override PyfiDatabase Database { get; }

        public override async Task<List<object?>> QueryAsync(string sql)
        {
            await using var connection = new SqliteConnection(Database.ConnectionString);
            await connection.OpenAsync();
            return await ReadAsync(connection, sql);
        }

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            _folder.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PostgresBackend(PostgresDatabase database) : StorageBackend
    {
        public override PyfiDatabase Database => database.Database;

        public override Task<List<object?>> QueryAsync(string sql) => database.QueryAsync(sql);

        public override ValueTask DisposeAsync() => database.DisposeAsync();
    }

    private static async Task<List<object?>> ReadAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?>();
        while (await reader.ReadAsync()) rows.Add(reader.IsDBNull(0) ? null : reader.GetValue(0));
        return rows;
    }
}
