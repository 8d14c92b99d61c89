namespace Pyfi.Storage;

/// <summary>
/// Storage settings, bound from the <c>Pyfi:Storage</c> section (<c>PYFI_STORAGE</c>, <c>PYFI_POSTGRES</c>, …: see
/// <see cref="StorageEnvironment"/>) and checked at start by <see cref="PyfiStorageOptionsValidator"/>.
/// </summary>
public sealed class PyfiStorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Pyfi:Storage";

    /// <summary>Which database holds the network's state.</summary>
    /// <value>Defaults to <see cref="StorageProvider.Sqlite"/>.</value>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Npgsql connection string, required when <see cref="Provider"/> is <see cref="StorageProvider.Postgres"/>.</summary>
    public string? Postgres { get; set; }

    /// <summary>
    /// Connections one process may hold to PostgreSQL, unless the connection string sets
    /// <c>Maximum Pool Size</c> itself. PostgreSQL accepts 100 clients by default: keep the sum over silos
    /// and tools below that.
    /// </summary>
    /// <value>Defaults to 20.</value>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>Whether a silo applies Pyfi's schema at start. Turn off where only DBAs may change the schema.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool ApplySchema { get; set; } = true;

    /// <summary>
    /// How hard the embedded SQLite default flushes each call it stores. <see cref="SqliteSync.Normal"/>: a
    /// committed call survives the silo being killed at any moment (the write is in the operating system before
    /// the call is acknowledged), but a power failure may lose the last commits; <see cref="SqliteSync.Full"/>:
    /// every commit is flushed to disk before it is acknowledged, at about 0.4 ms a commit here.
    /// </summary>
    /// <value>Defaults to <see cref="SqliteSync.Normal"/>.</value>
    public SqliteSync SqliteSync { get; set; } = SqliteSync.Normal;

    /// <summary>
    /// Most bytes the write-ahead log of each SQLite file (<c>pyfi.db-wal</c>, <c>pyfi-calls.db-wal</c>) may hold
    /// (<c>PYFI_SQLITE_WAL_LIMIT</c>). The log is emptied (checkpointed and truncated) once it passes a quarter of
    /// this, and the calls' writer waits for that at the limit itself, so the file stays below it under any load.
    /// </summary>
    /// <value>Defaults to 64 MiB (<see cref="DefaultWalLimit"/>); at least 4 MiB.</value>
    public long WalLimit { get; set; } = DefaultWalLimit;

    /// <summary>The default <see cref="WalLimit"/>: 64 MiB.</summary>
    public const long DefaultWalLimit = 64L * 1024 * 1024;

    /// <summary>
    /// How long a silo's start may spend checking each SQLite file (<c>PRAGMA quick_check</c>) before it serves
    /// (<c>PYFI_SQLITE_CHECK</c>). A damaged file stops the start with one line naming it. The check reads the
    /// whole file (0.8 s for an 80 MB file here on a loaded machine); on a bigger one it stops at this budget and the rest
    /// is checked as it is read. <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    /// <value>Defaults to 3 seconds.</value>
    public TimeSpan StartCheck { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Name of the SQLite file inside the data folder.</summary>
    /// <value>Defaults to <c>pyfi.db</c>.</value>
    public string SqliteFile { get; set; } = "pyfi.db";
}
