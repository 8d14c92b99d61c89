using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pyfi.Storage.Tokens;

/// <summary>
/// The network's access tokens in <c>PyfiTokens</c> (SQLite's main file, or PostgreSQL). Tokens are few and
/// read through a cache on each silo, so this is plain ADO.NET: one statement per operation.
/// </summary>
public sealed class TokenStore(PyfiDatabase database, string serviceId)
{
    private const string Columns = "Id, Name, Role, Salt, Hash, Created, Expires, Revoked, CreatedBy";

    private readonly DbProviderFactory _factory = database.Provider == StorageProvider.Sqlite ? SqliteFactory.Instance : NpgsqlFactory.Instance;

    /// <summary>The row with public id <paramref name="id"/>, or <see langword="null"/>.</summary>
    public async Task<TokenRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        var rows = await SelectAsync("AND Id = @id", cancellationToken, ("id", id));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Every token, revoked ones included, oldest first.</summary>
    public Task<IReadOnlyList<TokenRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        SelectAsync("ORDER BY Created, Name", cancellationToken);

    /// <summary>Stores a new token; <see langword="false"/> when a token not revoked already has its name (nothing stored).</summary>
    public async Task<bool> InsertAsync(TokenRecord token, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            $"INSERT INTO PyfiTokens (ServiceId, {Columns}) VALUES (@service, @id, @name, @role, @salt, @hash, @created, @expires, @revoked, @by) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("id", token.Id), ("name", token.Name), ("role", token.Role.Name()), ("salt", token.Salt), ("hash", token.Hash),
            ("created", token.Created.ToUniversalTime()), ("expires", token.Expires?.ToUniversalTime()), ("revoked", token.Revoked?.ToUniversalTime()),
            ("by", token.CreatedBy)) == 1;

    /// <summary>Marks the token named <paramref name="name"/> revoked at <paramref name="now"/>; <see langword="false"/> when no token not revoked has that name.</summary>
    public async Task<bool> RevokeAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE PyfiTokens SET Revoked = @now WHERE ServiceId = @service AND Name = @name AND Revoked IS NULL",
            cancellationToken, ("now", now.ToUniversalTime()), ("name", name)) == 1;

    /// <summary>
    /// The network's secret named <paramref name="name"/>: the one stored, or <paramref name="candidate"/> stored now
    /// when there is none (silos that start together all end up with the first one stored).
    /// </summary>
    public async Task<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync("INSERT INTO PyfiKeys (ServiceId, Name, Value) VALUES (@service, @name, @value) ON CONFLICT DO NOTHING",
            cancellationToken, ("name", name), ("value", candidate));
        return await UseAsync(async connection =>
        {
            await using var command = Command(connection, "SELECT Value FROM PyfiKeys WHERE ServiceId = @service AND Name = @name", [("name", name)]);
            return (byte[])(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);
    }

    private async Task<IReadOnlyList<TokenRecord>> SelectAsync(string where, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        return await UseAsync(async connection =>
        {
            await using var command = Command(connection, $"SELECT {Columns} FROM PyfiTokens WHERE ServiceId = @service {where}", parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<TokenRecord>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new TokenRecord(
                    reader.GetString(0),
                    reader.GetString(1),
                    Enum.Parse<PyfiRole>(reader.GetString(2), ignoreCase: true),
                    reader.GetFieldValue<byte[]>(3),
                    reader.GetFieldValue<byte[]>(4),
                    reader.GetFieldValue<DateTimeOffset>(5),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8)));
            }

            return (IReadOnlyList<TokenRecord>)rows;
        }, cancellationToken);
    }

    private Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        UseAsync(async connection =>
        {
            await using var command = Command(connection, sql, parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    private DbCommand Command(DbConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Add(command, "service", serviceId);
        foreach (var (name, value) in parameters) Add(command, name, value);
        return command;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
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
