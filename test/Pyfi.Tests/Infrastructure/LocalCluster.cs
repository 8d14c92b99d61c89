using CliWrap;
using CliWrap.Buffered;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// N silo processes on loopback against one PostgreSQL database, started and stopped by
/// <c>deploy/local-cluster.sh</c> (the script users run), with this build's silo.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _folder;

    private LocalCluster(string folder, IReadOnlyList<Member> silos)
    {
        _folder = folder;
        Silos = silos;
    }

    /// <summary>The silos, in the order started.</summary>
    public IReadOnlyList<Member> Silos { get; }

    /// <summary>Starts <paramref name="count"/> silos with their folders under <paramref name="folder"/>, on <paramref name="postgres"/>.</summary>
    public static async Task<LocalCluster> StartAsync(int count, string folder, string postgres, int cores = 2)
    {
        var started = await Script(["start", count.ToString(), folder], e => e
            .Set("PYFI_POSTGRES", postgres)
            .Set("PYFI_CORES", cores.ToString())
            .Set("PYFI_SILO", $"{TestEnvironment.Dotnet} {TestEnvironment.SiloDll}"));
        var silos = File.ReadAllLines(Path.Combine(folder, "silos.tsv"))
            .Select(line => line.Split('\t'))
            .Select(f => new Member(int.Parse(f[0]), int.Parse(f[1]), f[2], Path.Combine(folder, $"silo-{f[0]}.log")))
            .ToList();
        if (silos.Count != count) throw new InvalidOperationException($"local-cluster.sh started {silos.Count} silos, not {count}:\n{started}");
        return new LocalCluster(folder, silos);
    }

    /// <summary>The admin token one of the silos made on the new database (local-cluster.sh links it as DIR/admin.token).</summary>
    public string AdminToken => File.ReadAllText(Path.Combine(_folder, "admin.token")).Trim();

    /// <summary>The CLI pointed at <paramref name="silo"/>, with the cluster's admin token.</summary>
    public PyfiCli Cli(Member silo) => new(silo.Gateway, token: AdminToken);

    /// <summary>A .NET client connected to <paramref name="silo"/>, with the cluster's admin token.</summary>
    public Task<Pyfi.Client.PyfiClient> ConnectAsync(Member silo) =>
        Pyfi.Client.PyfiClient.ConnectAsync(new Pyfi.Client.PyfiClientOptions { Gateways = silo.Gateway, Token = AdminToken });

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Script(["stop", _folder], e => { });

    private static async Task<string> Script(string[] args, Action<CliWrap.Builders.EnvironmentVariablesBuilder> environment)
    {
        FastTier.Refuse("deploy/local-cluster.sh");
        var result = await CliWrap.Cli.Wrap("bash")
            .WithArguments([Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "local-cluster.sh"), .. args])
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();
        if (result.ExitCode != 0) throw new InvalidOperationException($"local-cluster.sh {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>One silo of the cluster.</summary>
    /// <param name="Index">Its number, from 1.</param>
    /// <param name="Pid">Its process.</param>
    /// <param name="Gateway">Its Pyfi gateway, <c>127.0.0.1:port</c>.</param>
    /// <param name="Log">Its output.</param>
    public sealed record Member(int Index, int Pid, string Gateway, string Log)
    {
        /// <summary>Sends it SIGTERM and waits until it has left (at most 30 s).</summary>
        public async Task StopAsync()
        {
            using var process = System.Diagnostics.Process.GetProcessById(Pid);
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", Pid.ToString()])) await term.WaitForExitAsync();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }

        /// <summary>Kills it with SIGKILL.</summary>
        public async Task KillAsync()
        {
            using var process = System.Diagnostics.Process.GetProcessById(Pid);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
