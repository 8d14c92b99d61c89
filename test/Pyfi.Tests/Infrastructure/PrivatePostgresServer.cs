using System.Diagnostics;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own (initdb in a temporary folder, its own port on 127.0.0.1), so the
/// test can stop it as a crash would and start it again without touching the suite's server.
/// </summary>
public sealed class PrivatePostgresServer : IAsyncDisposable
{
    private readonly TempDirectory _folder = new("pyfi-pg");
    private readonly string _bin;

    private PrivatePostgresServer(string bin, int port)
    {
        _bin = bin;
        Port = port;
    }

    /// <summary>Its port.</summary>
    public int Port { get; }

    /// <summary>A connection string to its <c>postgres</c> database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=10";

    /// <summary>Makes and starts a server.</summary>
    public static async Task<PrivatePostgresServer> StartAsync()
    {
        FastTier.Refuse("a PostgreSQL server");
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).First();
        var server = new PrivatePostgresServer(bin, FreePorts.Take(1)[0]);
        await RunAsync("chown", "postgres:postgres", server._folder.Path);
        await server.AsPostgresAsync("initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "--no-sync");
        await server.StartAgainAsync();
        return server;
    }

    private string Data => Path.Combine(_folder.Path, "data");

    /// <summary>Stops it at once (<c>-m immediate</c>: no shutdown checkpoint, as a crash).</summary>
    public Task StopAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");

    /// <summary>Starts it (again) on its port.</summary>
    public Task StartAgainAsync() => AsPostgresAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_folder.Path, "server.log"), "-w",
        "-o", $"-p {Port} -k {_folder.Path} -c listen_addresses=127.0.0.1 -c max_connections=200", "start");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        _folder.Dispose();
    }

    private Task AsPostgresAsync(string tool, params string[] args) => RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args]);

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await error}");
    }
}
