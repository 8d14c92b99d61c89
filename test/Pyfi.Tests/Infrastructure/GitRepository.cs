using CliWrap;
using CliWrap.Buffered;

namespace Pyfi.Tests.Infrastructure;

/// <summary>A real git repository the test makes (with the git CLI), for processors to clone by path or file URL.</summary>
public sealed class GitRepository : IDisposable
{
    private readonly TempDirectory _folder = new("pyfi-repo");

    private GitRepository()
    {
    }

    /// <summary>The repository's path.</summary>
    public string Path => _folder.Path;

    /// <summary>Its file:// URL.</summary>
    public string FileUrl => new Uri(Path).AbsoluteUri;

    /// <summary>Creates a repository with <paramref name="files"/> committed on branch main; returns it.</summary>
    public static async Task<GitRepository> CreateAsync(IReadOnlyDictionary<string, string> files)
    {
        var repository = new GitRepository();
        await repository.GitAsync("init", "-q", "-b", "main");
        await repository.CommitAsync(files, "first");
        return repository;
    }

    /// <summary>Writes <paramref name="files"/> and commits them on the current branch; returns the commit id.</summary>
    public async Task<string> CommitAsync(IReadOnlyDictionary<string, string> files, string message)
    {
        foreach (var (name, content) in files)
        {
            var path = System.IO.Path.Combine(Path, name);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content);
        }

        await GitAsync("add", "-A");
        await GitAsync("-c", "user.email=test@pyfi", "-c", "user.name=pyfi-test", "commit", "-q", "-m", message);
        return (await GitAsync("rev-parse", "HEAD")).Trim();
    }

    /// <summary>Runs git in the repository; returns its output.</summary>
    public async Task<string> GitAsync(params string[] args)
    {
        FastTier.Refuse("git");
        var result = await CliWrap.Cli.Wrap("git").WithArguments(args).WithWorkingDirectory(Path).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        if (result.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {result.StandardError}");
        return result.StandardOutput;
    }

    /// <inheritdoc />
    public void Dispose() => _folder.Dispose();
}
