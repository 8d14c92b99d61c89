namespace Pyfi.Client;

/// <summary>
/// Finds the token a client presents, in the order every Pyfi client uses: the one given (<c>--token</c>,
/// <see cref="PyfiClientOptions.Token"/>), else <c>PYFI_TOKEN</c>, else the file <c>PYFI_TOKEN_FILE</c> names, else
/// <c>./.pyfi/admin.token</c> when it exists (the token a silo started in this folder made on first start).
/// </summary>
public static class PyfiToken
{
    /// <summary>The first admin token's file, relative to the folder a silo is started in (its default data folder).</summary>
    public static readonly string DefaultFile = Path.Combine(".pyfi", "admin.token");

    // A token is under 100 characters; a file much larger is not a token file.
    private const int MaxFileLength = 4096;

    /// <summary>
    /// The token to present, or <see langword="null"/> when none is configured (the network will refuse).
    /// Throws <see cref="InvalidSpecException"/> when <c>PYFI_TOKEN_FILE</c> names a file that cannot be read.
    /// </summary>
    public static string? Resolve(string? given)
    {
        if (!string.IsNullOrWhiteSpace(given)) return given.Trim();
        if (Environment.GetEnvironmentVariable("PYFI_TOKEN") is { Length: > 0 } token) return token.Trim();
        if (Environment.GetEnvironmentVariable("PYFI_TOKEN_FILE") is { Length: > 0 } file) return Read(file, "PYFI_TOKEN_FILE");
        return File.Exists(DefaultFile) ? Read(DefaultFile, DefaultFile) : null;
    }

    private static string Read(string path, string source)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxFileLength) throw new InvalidSpecException($"{source}: '{path}' is not a token file ({info.Length} bytes)");
            var text = File.ReadAllText(path).Trim();
            return text.Length > 0 ? text : throw new InvalidSpecException($"{source}: '{path}' is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidSpecException($"{source}: cannot read '{path}': {e.Message}");
        }
    }
}
