using System.Security.Cryptography;
using System.Text;

namespace Pyfi.Grains.Code;

/// <summary>Where a host keeps code, under the data folder: one mirror per repository, one checkout per commit, one environment per commit and requirements file.</summary>
public sealed class CodePaths(string dataPath)
{
    /// <summary>The data folder.</summary>
    public string Root { get; } = Path.GetFullPath(dataPath);

    /// <summary>Bare mirror of <paramref name="repository"/>.</summary>
    public string Mirror(string repository) => Path.Combine(Root, "git", $"{RepositoryKey(repository)}.git");

    /// <summary>Files of <paramref name="commit"/>.</summary>
    public string Checkout(string repository, string commit) => Path.Combine(Root, "code", RepositoryKey(repository), commit);

    /// <summary>Python environment for <paramref name="commit"/> with the requirements <paramref name="requirementsKey"/> names (empty for none).</summary>
    public string Environment(string repository, string commit, string requirementsKey) =>
        Path.Combine(Root, "venv", EnvironmentKey(repository, commit, requirementsKey));

    /// <summary>Names a Python environment: the repository, the commit and, when it installs any, its requirements.</summary>
    public static string EnvironmentKey(string repository, string commit, string requirementsKey) =>
        requirementsKey.Length == 0 ? $"{RepositoryKey(repository)}-{commit}" : $"{RepositoryKey(repository)}-{commit}-{requirementsKey}";

    /// <summary>Files Pyfi itself runs (the worker script).</summary>
    public string Runtime => Path.Combine(Root, "runtime");

    /// <summary>A short, stable, file-name-safe key for a repository location.</summary>
    public static string RepositoryKey(string repository) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repository.Trim())))[..16];
}
