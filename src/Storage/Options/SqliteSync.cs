namespace Pyfi.Storage;

/// <summary>SQLite's <c>synchronous</c> setting for the calls Pyfi stores (see <see cref="PyfiStorageOptions.SqliteSync"/>).</summary>
public enum SqliteSync
{
    /// <summary>Survives a crash of the silo; a power failure may lose the last commits.</summary>
    Normal,

    /// <summary>Survives a power failure: every commit is flushed to disk.</summary>
    Full,
}
