using Pyfi.Storage.Sqlite;

namespace Pyfi.Storage;

/// <summary>
/// What is done to a database before anything uses it, by a silo's start and by <c>pyfi db init</c> alike: the
/// SQLite files must open and pass a bounded quick check (<see cref="SqliteFileCheck"/>), then the schema is brought
/// to this build's version (<see cref="SchemaInstaller"/>) or, where it may not be changed, found to be that version.
/// A database made by a newer Pyfi is refused.
/// </summary>
public static class DatabaseStartup
{
    /// <summary>
    /// Checks and prepares <paramref name="database"/>, checking each SQLite file for at most <paramref name="check"/>;
    /// throws a <see cref="PyfiException"/> whose message is the line to print.
    /// </summary>
    public static async Task<IReadOnlyList<SchemaState>> PrepareAsync(PyfiDatabase database, TimeSpan check, bool applySchema, CancellationToken cancellationToken = default)
    {
        await SqliteFileCheck.CheckAsync(database, check, cancellationToken);
        return applySchema
            ? await SchemaInstaller.ApplyAsync(database, cancellationToken)
            : await SchemaInstaller.VerifyAsync(database, cancellationToken);
    }
}
