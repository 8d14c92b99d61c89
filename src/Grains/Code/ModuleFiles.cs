namespace Pyfi.Grains.Code;

/// <summary>
/// Where a processor's module is in its checkout. A processor runs code of its repository only: its module
/// must be a file of the checkout (<c>a/b/c.py</c>, or the package <c>a/b/c/__init__.py</c>), not something the
/// interpreter would find elsewhere (<c>os</c>, <c>builtins</c>, a package in site-packages). Symbolic links
/// are followed, and must stay inside the checkout. The worker checks again after the import, from the
/// module's <c>__file__</c>.
/// </summary>
public static class ModuleFiles
{
    /// <summary>The file <paramref name="module"/> is imported from; <see cref="DeploymentException"/> when it is not a file of the checkout.</summary>
    public static string Find(CodeEnvironment environment, string module)
    {
        var root = RealPath(environment.CheckoutPath);
        var parts = module.Split('.');
        if (parts.Any(p => p.Length == 0 || p is "." or ".." || p.Contains('/') || p.Contains('\\'))) throw NotInRepository(environment, module);
        var folder = Path.Combine([root, .. parts[..^1]]);

        // As Python looks: a package first, then a module.
        foreach (var candidate in new[] { Path.Combine(folder, parts[^1], "__init__.py"), Path.Combine(folder, parts[^1] + ".py") })
        {
            if (!File.Exists(candidate)) continue;
            return IsInside(RealPath(candidate), root) ? candidate : throw NotInRepository(environment, module);
        }

        throw NotInRepository(environment, module);
    }

    /// <summary>
    /// The real path (links resolved) of <paramref name="relative"/> in the checkout, when it exists and stays inside
    /// it; <see langword="null"/> otherwise. For the runtimes that name files and folders (node, bash).
    /// </summary>
    public static string? InCheckout(CodeEnvironment environment, string relative)
    {
        var root = RealPath(environment.CheckoutPath);
        var path = Path.Combine(root, relative.TrimEnd('/'));
        if (!File.Exists(path) && !Directory.Exists(path)) return null;
        var real = RealPath(path);
        return real == root || IsInside(real, root) ? real : null;
    }

    /// <summary>The commit, short, for a message.</summary>
    public static string ShortCommit(CodeEnvironment environment) => environment.Commit[..Math.Min(12, environment.Commit.Length)];

    private static DeploymentException NotInRepository(CodeEnvironment environment, string module) =>
        new($"module '{module}' is not a file of the repository at commit {environment.Commit[..Math.Min(12, environment.Commit.Length)]}");

    private static bool IsInside(string path, string root) => path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    // The path with every symbolic link along it resolved (as realpath(3)).
    private static string RealPath(string path, int depth = 0)
    {
        if (depth > 40) throw new DeploymentException($"'{path}' has too many levels of symbolic links");
        var full = Path.GetFullPath(path);
        var resolved = Path.GetPathRoot(full)!;
        foreach (var part in full[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(resolved, part);
            var target = new FileInfo(next).LinkTarget;
            resolved = target is null ? next : RealPath(Path.Combine(resolved, target), depth + 1);
        }

        return resolved;
    }
}
