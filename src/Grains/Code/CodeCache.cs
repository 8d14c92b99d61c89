using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using Pyfi.Grains.Python;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Pyfi.Grains.Code;

/// <summary>
/// The trusted code model on one host: code comes only from a processor's registered repository, and only
/// from repositories <c>PYFI_REPOS</c> allows. Keeps a bare mirror per repository (LibGit2Sharp), resolves
/// branches and pins to commits, and for each commit makes one checkout and, per requirements file, one
/// Python virtual environment (no system site-packages) with those requirements installed. Everything is
/// built once and marked ready; later uses find it.
/// </summary>
public sealed partial class CodeCache(CodePaths paths, PythonRuntime python, NodePackages node, RepositoryPolicy policy, ILogger<CodeCache> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    // Environments known to be ready, so a call does not touch the file system to learn it again.
    private readonly ConcurrentDictionary<(string Repository, string Commit, string? Requirements, ProcessorRuntime Runtime), CodeEnvironment> _ready = new();

    /// <summary>
    /// Fetches the repository and returns the full commit id <paramref name="spec"/> points to now: its pinned
    /// commit, else its branch's tip, else the default branch's tip. Throws <see cref="DeploymentException"/>.
    /// </summary>
    public Task<string> ResolveAsync(ProcessorSpec spec, CancellationToken cancellationToken = default)
    {
        Allow(spec.Repository);
        return LockedAsync($"git:{spec.Repository}", () => Task.Run(() => Resolve(spec), cancellationToken));
    }

    /// <summary>
    /// Makes the checkout of <paramref name="deployment"/>'s commit and the environment for its requirements on
    /// this host. Processors on one commit with different requirements get different environments. Throws
    /// <see cref="DeploymentException"/>.
    /// </summary>
    public async Task<CodeEnvironment> PrepareAsync(ProcessorDeployment deployment, CancellationToken cancellationToken = default)
    {
        var commit = deployment.Commit ?? throw new DeploymentException($"processor '{deployment.Processor}' has no commit to run: {deployment.Error}");
        if (_ready.TryGetValue((deployment.Repository, commit, deployment.Requirements, deployment.Runtime), out var known)) return known;
        Allow(deployment.Repository);
        var checkout = paths.Checkout(deployment.Repository, commit);
        if (!IsReady(checkout))
        {
            await LockedAsync($"code:{CodePaths.RepositoryKey(deployment.Repository)}-{commit}", async () =>
            {
                if (IsReady(checkout)) return;
                await LockedAsync($"git:{deployment.Repository}", () => Task.Run(() => Export(deployment.Repository, commit, checkout), cancellationToken));
            });
        }

        var environment = deployment.Runtime switch
        {
            ProcessorRuntime.Python => await PythonEnvironmentAsync(deployment, checkout, commit, cancellationToken),
            // Node and bash workers are started by the base interpreter (pyfi_worker.py --launch, --scripts).
            ProcessorRuntime.Node => await node.PrepareAsync(deployment, checkout, await python.InterpreterAsync(cancellationToken), cancellationToken),
            _ => new CodeEnvironment($"{CodePaths.RepositoryKey(deployment.Repository)}-{commit}", checkout, await python.InterpreterAsync(cancellationToken), commit),
        };
        _ready[(deployment.Repository, commit, deployment.Requirements, deployment.Runtime)] = environment;
        return environment;
    }

    private async Task<CodeEnvironment> PythonEnvironmentAsync(ProcessorDeployment deployment, string checkout, string commit, CancellationToken cancellationToken)
    {
        var requirements = RequirementsFile(deployment, checkout);
        var requirementsKey = RequirementsKey(checkout, requirements);
        var key = CodePaths.EnvironmentKey(deployment.Repository, commit, requirementsKey);
        var venv = paths.Environment(deployment.Repository, commit, requirementsKey);
        if (!IsReady(venv))
        {
            await LockedAsync($"venv:{key}", async () =>
            {
                if (!IsReady(venv)) await BuildEnvironmentAsync(deployment, checkout, requirements, venv, cancellationToken);
            });
        }

        return new CodeEnvironment(key, checkout, Path.Combine(venv, "bin", "python"), commit);
    }

    private void Allow(string repository)
    {
        if (!policy.Allows(repository)) throw new DeploymentException(policy.Refusal(repository));
    }

    // An environment belongs to its requirements: the file's path in the checkout and its content (a commit's
    // files never change, but two processors on one commit may name different files).
    private static string RequirementsKey(string checkout, string? requirements)
    {
        if (requirements is null) return "";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(checkout, requirements) + "\0"));
        hash.AppendData(File.ReadAllBytes(requirements));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    private string Resolve(ProcessorSpec spec)
    {
        using var repository = OpenMirror(spec.Repository);
        if (spec.Commit is { } pinned)
        {
            return repository.Lookup<Commit>(pinned)?.Sha
                ?? throw new DeploymentException($"commit '{pinned}' does not exist in repository '{spec.Repository}'");
        }

        var reference = spec.Branch is { } branch ? $"refs/remotes/origin/{branch}" : "refs/remotes/origin/HEAD";
        var tip = repository.Refs[reference]?.ResolveToDirectReference()?.Target as Commit;
        if (tip is not null) return tip.Sha;
        if (spec.Branch is null) return repository.Head.Tip?.Sha ?? throw new DeploymentException($"repository '{spec.Repository}' has no commits");
        throw new DeploymentException($"branch '{spec.Branch}' does not exist in repository '{spec.Repository}'");
    }

    // A bare mirror of the repository, fetched now: refs/remotes/origin/* are the repository's branches.
    private Repository OpenMirror(string location)
    {
        var mirror = paths.Mirror(location);
        var source = SourceOf(location);
        try
        {
            if (!Repository.IsValid(mirror))
            {
                if (Directory.Exists(mirror)) Directory.Delete(mirror, recursive: true);
                Directory.CreateDirectory(Path.GetDirectoryName(mirror)!);
                Repository.Clone(source, mirror, new CloneOptions { IsBare = true });
                LogCloned(location, mirror);
                return new Repository(mirror);
            }

            var repository = new Repository(mirror);
            var remote = repository.Network.Remotes["origin"];
            Commands.Fetch(repository, remote.Name, remote.FetchRefSpecs.Select(r => r.Specification), new FetchOptions { Prune = true }, null);
            return repository;
        }
        catch (LibGit2SharpException e)
        {
            throw new DeploymentException($"repository '{location}' cannot be fetched: {e.Message}");
        }
    }

    // Paths and file:// URLs are checked first: libgit2 says "unsupported URL protocol" for a missing path.
    private static string SourceOf(string location)
    {
        var parsed = RepositoryLocation.Parse(location);
        if (!parsed.IsLocal) return location;
        if (parsed.Canonical is not { } full || !Directory.Exists(full)) throw new DeploymentException($"repository '{location}' does not exist");
        return full;
    }

    // The commit's files, without a .git: what workers import from. On a host that has not fetched the
    // repository yet (the processor deployed elsewhere), the mirror is cloned or fetched first.
    private void Export(string location, string commit, string checkout)
    {
        using var repository = MirrorWith(location, commit);
        var tree = repository.Lookup<Commit>(commit)?.Tree ?? throw new DeploymentException($"commit '{commit}' does not exist in repository '{location}'");
        var staging = $"{checkout}.tmp-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Write(tree, staging);
        if (Directory.Exists(checkout)) Directory.Delete(checkout, recursive: true);
        Directory.CreateDirectory(Path.GetDirectoryName(checkout)!);
        Directory.Move(staging, checkout);
        MarkReady(checkout);
        LogCheckedOut(location, commit, checkout);
    }

    private Repository MirrorWith(string location, string commit)
    {
        var mirror = paths.Mirror(location);
        if (Repository.IsValid(mirror))
        {
            var repository = new Repository(mirror);
            if (repository.Lookup<Commit>(commit) is not null) return repository;
            repository.Dispose();
        }

        return OpenMirror(location);
    }

    private static void Write(Tree tree, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var entry in tree)
        {
            var target = Path.Combine(directory, entry.Name);
            switch (entry.TargetType)
            {
                case TreeEntryTargetType.Tree:
                    Write((Tree)entry.Target, target);
                    break;
                case TreeEntryTargetType.Blob when entry.Mode == Mode.SymbolicLink:
                    File.CreateSymbolicLink(target, ((Blob)entry.Target).GetContentText());
                    break;
                case TreeEntryTargetType.Blob:
                    using (var content = ((Blob)entry.Target).GetContentStream())
                    using (var file = File.Create(target))
                    {
                        content.CopyTo(file);
                    }

                    if (entry.Mode == Mode.ExecutableFile && !OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(target, File.GetUnixFileMode(target) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                    }

                    break;
            }
        }
    }

    private async Task BuildEnvironmentAsync(ProcessorDeployment deployment, string checkout, string? requirements, string venv, CancellationToken cancellationToken)
    {
        var interpreter = await python.InterpreterAsync(cancellationToken);
        if (Directory.Exists(venv)) Directory.Delete(venv, recursive: true);

        // pip is only worth its 3 s when there is something to install.
        var create = await Cli.Wrap(interpreter)
            .WithArguments(requirements is null ? ["-m", "venv", "--without-pip", venv] : ["-m", "venv", venv])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        if (create.ExitCode != 0) throw new DeploymentException($"could not create a Python environment: {Tail(create.StandardError + create.StandardOutput)}");

        if (requirements is not null)
        {
            var install = await Cli.Wrap(Path.Combine(venv, "bin", "python"))
                .WithArguments(["-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--timeout", "15", "--retries", "1", "-r", requirements])
                .WithWorkingDirectory(checkout)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            if (install.ExitCode != 0)
            {
                throw new DeploymentException($"could not install {Path.GetRelativePath(checkout, requirements)}: {Tail(install.StandardError + install.StandardOutput)}");
            }
        }

        MarkReady(venv);
        LogEnvironmentReady(deployment.Processor, deployment.Commit!, venv);
    }

    private static string? RequirementsFile(ProcessorDeployment deployment, string checkout)
    {
        if (deployment.Requirements is { } named)
        {
            var path = Path.Combine(checkout, named);
            return File.Exists(path) ? path : throw new DeploymentException($"requirements file '{named}' does not exist at commit {deployment.Commit![..12]}");
        }

        var standard = Path.Combine(checkout, "requirements.txt");
        return File.Exists(standard) ? standard : null;
    }

    // The lines that say what went wrong, not pip's whole log.
    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(l => l.StartsWith("ERROR", StringComparison.Ordinal)).ToList();
        return string.Join(" ", (errors.Count > 0 ? errors : lines.TakeLast(3)).Take(3));
    }

    private static bool IsReady(string directory) => File.Exists(Path.Combine(directory, ".pyfi-ready"));

    private static void MarkReady(string directory) => File.WriteAllText(Path.Combine(directory, ".pyfi-ready"), DateTimeOffset.UtcNow.ToString("O"));

    private Task LockedAsync(string key, Func<Task> action) => LockedAsync(key, async () =>
    {
        await action();
        return true;
    });

    private async Task<T> LockedAsync<T>(string key, Func<Task<T>> action)
    {
        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            return await action();
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cloned {Repository} into {Mirror}")]
    private partial void LogCloned(string repository, string mirror);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checked out {Repository} at {Commit} into {Checkout}")]
    private partial void LogCheckedOut(string repository, string commit, string checkout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Python environment for {Processor} at {Commit} ready in {Environment}")]
    private partial void LogEnvironmentReady(string processor, string commit, string environment);
}
