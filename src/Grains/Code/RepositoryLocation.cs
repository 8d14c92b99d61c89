namespace Pyfi.Grains.Code;

/// <summary>
/// Where a repository is, as git is given it, in one canonical form so that two spellings of one place compare
/// equal: a local folder (a path or a <c>file://</c> URL; made absolute, <c>.</c> and <c>..</c> resolved) or a
/// remote URL (<c>scheme://host[:port]/path</c>, scheme and host in lower case, credentials left out; the
/// scp-like <c>user@host:path</c> is <c>ssh://host/path</c>).
/// </summary>
/// <param name="IsLocal">Whether it is a folder on this host.</param>
/// <param name="Canonical">The canonical form: an absolute path, or a URL; <see langword="null"/> when the text cannot be read as either safely.</param>
public sealed record RepositoryLocation(bool IsLocal, string? Canonical)
{
    /// <summary>Reads <paramref name="location"/>.</summary>
    public static RepositoryLocation Parse(string location)
    {
        location = location.Trim();
        if (location.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(location, UriKind.Absolute, out var file) && file.IsFile && file.Host is "" or "localhost"
                ? Local(Uri.UnescapeDataString(file.AbsolutePath))
                : new(true, null);
        }

        if (location.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(location, UriKind.Absolute, out var url) ? Remote(url.Scheme, url.Host, url.IsDefaultPort ? -1 : url.Port, url.AbsolutePath) : new(false, null);
        }

        // user@host:path (git's scp-like syntax), unless it is a path that happens to hold an '@'.
        var colon = location.IndexOf(':');
        var at = location.IndexOf('@');
        if (!location.StartsWith('/') && !location.StartsWith('.') && at > 0 && colon > at && !location[..colon].Contains('/'))
        {
            return Remote("ssh", location[(at + 1)..colon], -1, "/" + location[(colon + 1)..].TrimStart('/'));
        }

        return Local(location);
    }

    /// <summary>Whether this location is <paramref name="prefix"/> or inside it (by whole path segments: <c>/srv/repos</c> holds <c>/srv/repos/a</c>, not <c>/srv/repos-evil</c>).</summary>
    public bool IsWithin(RepositoryLocation prefix) =>
        IsLocal == prefix.IsLocal && Canonical is { } self && prefix.Canonical is { } root
        && (self == root || self.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal));

    private static RepositoryLocation Local(string path)
    {
        try
        {
            var full = System.IO.Path.GetFullPath(path);
            return new(true, full.Length > 1 ? full.TrimEnd('/') : full);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new(true, null);
        }
    }

    // A path with '.' or '..' segments, even escaped, or an escaped separator, is refused rather than guessed at.
    private static RepositoryLocation Remote(string scheme, string host, int port, string path)
    {
        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            var plain = Uri.UnescapeDataString(segment);
            if (plain is "." or ".." || plain.Contains('/') || plain.Contains('\\')) return new(false, null);
        }

        var authority = port < 0 ? host.ToLowerInvariant() : $"{host.ToLowerInvariant()}:{port}";
        var canonical = $"{scheme.ToLowerInvariant()}://{authority}{string.Join('/', segments).TrimEnd('/')}";
        return new(false, canonical);
    }
}
