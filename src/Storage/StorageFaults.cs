using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Pyfi.Storage;

/// <summary>
/// The one line a person can act on when the database fails: which file (or server), what is wrong with it, and
/// what to do. Every storage path turns driver exceptions into these (a client never sees a driver's type).
/// </summary>
public static partial class StorageFaults
{
    // SQLite's primary result codes (https://sqlite.org/rescode.html) that say something about the file.
    private const int Perm = 3, Busy = 5, Locked = 6, ReadOnly = 8, IoErr = 10, Corrupt = 11, Full = 13, CantOpen = 14, NotADb = 26;

    // SQLITE_IOERR_SHORT_READ: a page lies past the end of the file (a truncated copy).
    private const int IoErrShortRead = 522;

    /// <summary>Whether <paramref name="e"/> says the file's content is damaged (as opposed to unreachable or busy).</summary>
    public static bool IsDamage(SqliteException e) => e.SqliteErrorCode is Corrupt or NotADb || e.SqliteExtendedErrorCode == IoErrShortRead;

    /// <summary>
    /// What went wrong with the SQLite file <paramref name="file"/> and what to do, e.g. "/data/pyfi-calls.db is
    /// damaged (database disk image is malformed): restore it from a backup, or see what is wrong with: sqlite3
    /// /data/pyfi-calls.db 'PRAGMA integrity_check'".
    /// </summary>
    public static string Describe(SqliteException e, string file) => Describe(e.SqliteErrorCode, e.SqliteExtendedErrorCode, Reason(e), file);

    /// <summary>The sentence for SQLite result <paramref name="code"/> (extended <paramref name="extended"/>) on <paramref name="file"/>.</summary>
    public static string Describe(int code, int extended, string reason, string file)
    {
        if (code is Corrupt or NotADb || extended == IoErrShortRead)
        {
            return $"{file} is damaged ({reason}): restore it from a backup, or see what is wrong with: sqlite3 {file} 'PRAGMA integrity_check'";
        }

        return code switch
        {
            CantOpen => $"{file} cannot be opened ({reason}): it must be a file the silo's user can read and write, in a folder it can write",
            Perm or ReadOnly => $"{file} cannot be written ({reason}): give the silo's user write access to it and to its folder",
            Full => $"the disk holding {file} is full ({reason}): free some space",
            IoErr => $"{file} could not be read or written ({reason}): check the disk it is on",
            Busy or Locked => $"{file} is locked by another process ({reason})",
            _ => $"{file}: {reason}",
        };
    }

    /// <summary>
    /// A <see cref="StorageUnavailableException"/> for <paramref name="e"/>, a failure of <paramref name="database"/>;
    /// <paramref name="sqliteFile"/> is the SQLite file the operation used (the calls have their own).
    /// </summary>
    public static StorageUnavailableException Unavailable(Exception e, PyfiDatabase database, string? sqliteFile = null) => e switch
    {
        StorageUnavailableException known => known,
        SqliteException sqlite => new StorageUnavailableException($"the database is unavailable: {Describe(sqlite, sqliteFile ?? database.SqliteFile)}"),
        _ => new StorageUnavailableException($"the database is unavailable ({database.Describe()}): {FirstLine(e.Message)}"),
    };

    /// <summary>Whether <paramref name="e"/> is a database driver's failure (one <see cref="Unavailable"/> turns into Pyfi's terms).</summary>
    public static bool IsDriverFailure(Exception e) => e is DbException or TimeoutException or System.Net.Sockets.SocketException;

    /// <summary>SQLite's own words for the failure, without the driver's "SQLite Error 11: '…'." wrapping.</summary>
    public static string Reason(SqliteException e)
    {
        var line = FirstLine(e.Message);
        var match = DriverWrapping().Match(line);
        return match.Success ? match.Groups[1].Value : line;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    [GeneratedRegex(@"^SQLite Error \d+: '(.*)'\.?$")]
    private static partial Regex DriverWrapping();
}
