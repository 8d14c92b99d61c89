namespace Pyfi.Grains.Code;

/// <summary>
/// Which repositories processors may come from on this silo (<c>PYFI_REPOS</c>): URL prefixes and folders,
/// compared in canonical form (<see cref="RepositoryLocation"/>). None listed allows every repository. The
/// registry refuses a processor from any other repository before storing it, and the code cache refuses to
/// fetch one (a processor stored before the setting, or through a silo set otherwise).
/// </summary>
public sealed class RepositoryPolicy
{
    private readonly RepositoryLocation[] _allowed;

    /// <summary>Reads the allowed repositories; throws <see cref="InvalidSpecException"/> for one that cannot be read.</summary>
    public RepositoryPolicy(IReadOnlyList<string> allowed)
    {
        Setting = string.Join(", ", allowed);
        _allowed = [.. allowed.Select(a => RepositoryLocation.Parse(a) is { Canonical: not null } location
            ? location
            : throw new InvalidSpecException($"PYFI_REPOS: '{a}' is not a repository URL or folder"))];
    }

    /// <summary>Splits <c>PYFI_REPOS</c>'s text: entries separated by commas or semicolons.</summary>
    public static IReadOnlyList<string> Split(string? setting) =>
        setting?.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>The setting, as given.</summary>
    public string Setting { get; }

    /// <summary>Whether any repository is allowed (nothing listed).</summary>
    public bool AllowsAll => _allowed.Length == 0;

    /// <summary>Whether processors may come from <paramref name="repository"/>.</summary>
    public bool Allows(string repository)
    {
        if (AllowsAll) return true;
        var location = RepositoryLocation.Parse(repository);
        return _allowed.Any(location.IsWithin);
    }

    /// <summary>The one line that refuses <paramref name="repository"/>.</summary>
    public string Refusal(string repository) => $"repository '{repository}' is not allowed here (PYFI_REPOS: {Setting})";
}
