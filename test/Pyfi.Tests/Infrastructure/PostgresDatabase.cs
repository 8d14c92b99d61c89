using Npgsql;
using Pyfi.Storage;

namespace Pyfi.Tests.Infrastructure;

/// <summary>A fresh PostgreSQL database on the suite's server, dropped afterwards.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private PostgresDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>Connection string to it.</summary>
    public string ConnectionString { get; }

    /// <summary>As Pyfi's storage sees it.</summary>
    public PyfiDatabase Database => PyfiDatabase.From(new PyfiStorageOptions { Provider = StorageProvider.Postgres, Postgres = ConnectionString }, ".");

    /// <summary>Creates an empty database.</summary>
    public static async Task<PostgresDatabase> CreateAsync()
    {
        var name = $"pyfi_t_{Guid.NewGuid():N}"[..20];
        await AdminAsync($"CREATE DATABASE {name}");
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = name, MaxPoolSize = 20 };
        return new PostgresDatabase(name, builder.ConnectionString);
    }

    /// <summary>Runs one statement on the server's maintenance database.</summary>
    public static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a query on this database and returns the first column of each row.</summary>
    public async Task<List<object?>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?>();
        while (await reader.ReadAsync()) rows.Add(reader.IsDBNull(0) ? null : reader.GetValue(0));
        return rows;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}
