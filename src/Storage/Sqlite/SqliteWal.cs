using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Pyfi.Storage.Sqlite;

/// <summary>
/// A SQLite file's write-ahead log: its size, and emptying it. Why this is needed at all: a PASSIVE checkpoint
/// (SQLite's automatic one, and the calls' background one) copies the log into the database file but never
/// restarts it; the log starts again from its beginning only when a writer begins at a moment when every frame
/// has been copied and no reader is using the log. Under steady writes that moment never comes, so the file
/// grows without bound (measured: 3.1 GB for 200,000 queued calls). A TRUNCATE checkpoint takes the write lock,
/// copies what is left, waits for readers to leave the log (a bounded wait here) and truncates it to zero bytes.
/// </summary>
public static class SqliteWal
{
    /// <summary>The log's size in bytes (0 when it does not exist).</summary>
    public static long Size(string walFile)
    {
        var info = new FileInfo(walFile);
        return info.Exists ? info.Length : 0;
    }

    /// <summary>The log of SQLite file <paramref name="databaseFile"/>.</summary>
    public static string LogOf(string databaseFile) => databaseFile + "-wal";

    /// <summary>
    /// Copies every committed page into the database file and truncates the log, waiting at most
    /// <paramref name="wait"/> for the write lock and for readers; then sets the connection's busy timeout back to
    /// <paramref name="busyTimeoutMs"/>. <see langword="true"/> when the log was emptied; <see langword="false"/>
    /// when a reader (or another writer) held on past the wait (what could be copied was copied).
    /// </summary>
    public static async Task<bool> TruncateAsync(SqliteConnection connection, TimeSpan wait, int busyTimeoutMs, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {(int)wait.TotalMilliseconds}";
        await command.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            // One row: (busy, frames in the log, frames copied); busy is 1 when it could not finish.
            return await reader.ReadAsync(cancellationToken) && reader.GetInt32(0) == 0;
        }
        finally
        {
            await using var restore = connection.CreateCommand();
            restore.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {busyTimeoutMs}");
            await restore.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
