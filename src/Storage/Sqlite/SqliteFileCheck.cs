using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Pyfi.Storage.Sqlite;

/// <summary>
/// The check a silo makes of its SQLite files before it serves: each must open, and <c>PRAGMA quick_check</c> must
/// find nothing wrong, else the start stops with one line naming the file and what to do. quick_check reads every
/// page (0.8 s for an 80 MB file here on a loaded machine, more from a cold disk), so it is interrupted at a time budget:
/// a bigger file is checked as far as the budget goes, and the rest as it is read (a damaged page then fails the
/// operation that reads it with <see cref="StorageUnavailableException"/>).
/// </summary>
public static class SqliteFileCheck
{
    // SQLITE_INTERRUPT: the budget ran out.
    private const int Interrupted = 9;

    /// <summary>
    /// Checks <c>pyfi.db</c> and <c>pyfi-calls.db</c> of <paramref name="database"/> (files that do not exist yet
    /// pass), each for at most <paramref name="budget"/>. Throws <see cref="StorageUnavailableException"/> for the
    /// first one that is damaged or cannot be opened.
    /// </summary>
    public static async Task<IReadOnlyList<SqliteFileState>> CheckAsync(PyfiDatabase database, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        if (database.Provider != StorageProvider.Sqlite || budget <= TimeSpan.Zero) return [];
        return
        [
            await CheckFileAsync(database.ConnectionString, database.SqliteFile, budget, cancellationToken),
            await CheckFileAsync(database.CallsConnectionString, database.CallsFile, budget, cancellationToken),
        ];
    }

    private static async Task<SqliteFileState> CheckFileAsync(string connectionString, string file, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (!File.Exists(file) && !Directory.Exists(file)) return new SqliteFileState(file, 0, Complete: true, TimeSpan.Zero);
        var watch = Stopwatch.StartNew();
        try
        {
            // ReadWrite, never Create: the check must not make a file; a folder in the file's place fails to open.
            var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
            await using var connection = new SqliteConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check(1)";
            string verdict;
            using (var budgetOver = new CancellationTokenSource(budget))
            await using (budgetOver.Token.Register(() => SQLitePCL.raw.sqlite3_interrupt(connection.Handle)))
            {
                try
                {
                    verdict = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
                }
                catch (SqliteException e) when (e.SqliteErrorCode == Interrupted && budgetOver.IsCancellationRequested)
                {
                    return new SqliteFileState(file, new FileInfo(file).Length, Complete: false, watch.Elapsed);
                }
            }

            if (verdict != "ok")
            {
                // SQLITE_CORRUPT's sentence, with quick_check's first finding as the reason.
                throw new StorageUnavailableException(StorageFaults.Describe(11, 0, verdict.Split('\n')[0].Trim(), file));
            }

            return new SqliteFileState(file, new FileInfo(file).Length, Complete: true, watch.Elapsed);
        }
        catch (SqliteException e)
        {
            throw new StorageUnavailableException(StorageFaults.Describe(e, file));
        }
    }
}

/// <summary>What the start-up check found for one file.</summary>
/// <param name="File">The SQLite file.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Complete">Whether quick_check read all of it within its budget.</param>
/// <param name="Elapsed">How long the check took.</param>
public sealed record SqliteFileState(string File, long Bytes, bool Complete, TimeSpan Elapsed);
