using Pyfi.Storage;
using Pyfi.Storage.Sqlite;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// What a silo checks of its database before its host starts, so a refusal is the one line the silo prints
/// (nothing of Orleans has started to log traces): the SQLite files open and pass a bounded quick check, then the
/// schema is migrated to this build's version (or, where the silo may not change it, found to be that version).
/// A database made by a newer Pyfi is refused.
/// </summary>
internal static class StorageStartup
{
    /// <summary>Checks and prepares <paramref name="database"/>; throws a <see cref="PyfiException"/> whose message is the line to print.</summary>
    public static void Prepare(PyfiDatabase database, PyfiStorageOptions storage)
    {
        PrepareAsync(database, storage).GetAwaiter().GetResult();
    }

    private static async Task PrepareAsync(PyfiDatabase database, PyfiStorageOptions storage)
    {
        await SqliteFileCheck.CheckAsync(database, storage.StartCheck);
        if (storage.ApplySchema) await SchemaInstaller.ApplyAsync(database);
        else await SchemaInstaller.VerifyAsync(database);
    }
}
