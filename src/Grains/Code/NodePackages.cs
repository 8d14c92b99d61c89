using System.Collections.Concurrent;
using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pyfi.Grains.Code;

/// <summary>
/// A node processor's packages: when its commit has a <c>package-lock.json</c> at the top, <c>npm ci --offline
/// --ignore-scripts</c> installs exactly what the lock names into the commit's checkout (<c>node_modules</c>), once per
/// commit, as a venv is made once per commit for Python. Offline: a dependency must come from the repository
/// (<c>file:</c>) or from npm's cache on the host; one that cannot is a deployment error naming it. No install scripts
/// run: they would run outside a worker's limits, at deployment (see docs/security.md).
/// </summary>
public sealed partial class NodePackages(IOptions<PyfiRuntimeOptions> options, ILogger<NodePackages> logger)
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>
    /// The environment of <paramref name="deployment"/>'s node code in <paramref name="checkout"/>, its packages
    /// installed; <paramref name="interpreter"/> starts its workers. Throws <see cref="DeploymentException"/>.
    /// </summary>
    public async Task<CodeEnvironment> PrepareAsync(ProcessorDeployment deployment, string checkout, string interpreter, CancellationToken cancellationToken)
    {
        var commit = deployment.Commit!;
        var environment = new CodeEnvironment($"{CodePaths.RepositoryKey(deployment.Repository)}-{commit}-node", checkout, interpreter, commit);
        if (!File.Exists(Path.Combine(checkout, "package-lock.json"))) return environment;
        var ready = Path.Combine(checkout, "node_modules", ".pyfi-ready");
        if (File.Exists(ready)) return environment;

        var gate = _locks.GetOrAdd(checkout, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(ready)) await InstallAsync(deployment, checkout, ready, cancellationToken);
        }
        finally
        {
            gate.Release();
        }

        return environment;
    }

    private async Task InstallAsync(ProcessorDeployment deployment, string checkout, string ready, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(InstallTimeout);
        BufferedCommandResult install;
        try
        {
            install = await Cli.Wrap(options.Value.Npm)
                .WithArguments(["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"])
                .WithWorkingDirectory(checkout)
                .WithEnvironmentVariables(HideSettings)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(limit.Token);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new DeploymentException($"no npm '{options.Value.Npm}' on this host to install package-lock.json; install npm or set PYFI_NPM");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeploymentException($"could not install package-lock.json: npm ci took longer than {InstallTimeout.TotalMinutes:0} minutes");
        }

        if (install.ExitCode != 0) throw new DeploymentException($"could not install package-lock.json: {Tail(install.StandardError + "\n" + install.StandardOutput)}");
        File.WriteAllText(ready, DateTimeOffset.UtcNow.ToString("O"));
        LogInstalled(deployment.Processor, deployment.Commit!, checkout);
    }

    // The silo's settings (PYFI_POSTGRES holds the database's password) are not npm's business, nor NODE_OPTIONS.
    private static void HideSettings(CliWrap.Builders.EnvironmentVariablesBuilder variables)
    {
        variables.Set("NODE_OPTIONS", null);
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("PYFI", StringComparison.OrdinalIgnoreCase)) variables.Set(name, null);
        }
    }

    // npm's own words for what went wrong (`npm error code ENOTCACHED`, the request that failed), not its log's path.
    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.StartsWith("npm error ", StringComparison.Ordinal) ? l["npm error ".Length..] : l.StartsWith("npm ERR! ", StringComparison.Ordinal) ? l["npm ERR! ".Length..] : l)
            .Where(l => !l.StartsWith("A complete log", StringComparison.Ordinal) && !l.StartsWith("/", StringComparison.Ordinal))
            .Take(3);
        return string.Join(" ", lines);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node packages for {Processor} at {Commit} installed in {Checkout}")]
    private partial void LogInstalled(string processor, string commit, string checkout);
}
