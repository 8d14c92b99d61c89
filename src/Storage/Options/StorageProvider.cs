namespace Pyfi.Storage;

/// <summary>Where the network keeps its state.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file in the data folder: a single silo, nothing to install (the default).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database shared by every silo of a cluster.</summary>
    Postgres,
}
