namespace Pyfi.Storage;

/// <summary>
/// The environment variables that say where a network's database is and how it is kept, and the configuration key
/// each one sets. A silo reads them among its own (its list includes these); <c>pyfi db init</c> reads only these.
/// </summary>
public static class StorageEnvironment
{
    /// <summary>Environment variable → configuration key.</summary>
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>
    {
        // The data folder: the SQLite files are in it (a silo keeps its code and admin token there too).
        ["PYFI_DATA"] = "Pyfi:DataPath",
        ["PYFI_STORAGE"] = "Pyfi:Storage:Provider",
        ["PYFI_POSTGRES"] = "Pyfi:Storage:Postgres",
        ["PYFI_SQLITE_SYNC"] = "Pyfi:Storage:SqliteSync",
        ["PYFI_SQLITE_WAL_LIMIT"] = "Pyfi:Storage:WalLimit",
        ["PYFI_SQLITE_CHECK"] = "Pyfi:Storage:StartCheck",
    };

    /// <summary>The configuration values set by those of <paramref name="variables"/> (default: <see cref="Variables"/>) present now.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> ReadOverrides(IReadOnlyDictionary<string, string>? variables = null)
    {
        foreach (var (variable, key) in variables ?? Variables)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(value)) yield return new(key, value);
        }
    }
}
