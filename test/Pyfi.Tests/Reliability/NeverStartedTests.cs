using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Reliability;

/// <summary>
/// Attempts are charged only for attempts that began: calls written to a Python worker behind a running one (or
/// still queued in their socket) are never charged when the silo or the worker is killed, even with one attempt allowed.
/// </summary>
public sealed class NeverStartedTests
{
    [Fact]
    public async Task AfterTheSiloIsKilledEveryCallThatNeverBeganStillSucceeds()
    {
        using var data = new TempDirectory("pyfi-kill");
        using var scratch = new TempDirectory("pyfi-kill-scratch");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        var environment = new Dictionary<string, string> { ["PYFI_CORES"] = "1", ["PYFI_LEASE"] = "00:00:03" };
        var silo = await SiloProcess.StartAsync(data.Path, environment);
        var (running, waiting, marker) = await RunningAndWaitingAsync(silo, repository, scratch);

        await silo.KillAsync(); // the silo and its Python workers, at once
        await using var again = await SiloProcess.StartAsync(data.Path, environment, ports: silo.Ports);
        await silo.DisposeAsync();
        var cli = again.Cli();

        foreach (var id in waiting)
        {
            var result = await cli.RunAsync(["task", "result", "--id", id, "--wait"], timeout: TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode == 0, $"call {id}, never begun before the kill: {result}");
            var call = await ShowAsync(cli, id);
            Assert.Equal(1, call.GetProperty("attempts").GetInt32());
            Assert.Empty(call.GetProperty("history").EnumerateArray());
        }

        // The one that began was charged its attempt, and with none left it failed: it did run.
        var first = await ShowAsync(cli, running);
        Assert.Equal("failed", first.GetProperty("state").GetString());
        Assert.Equal("WorkerLost", first.GetProperty("error").GetProperty("type").GetString());
        Assert.Single(File.ReadAllLines(marker));
    }

    [Fact]
    public async Task AfterTheWorkerIsKilledTheCallsWrittenBehindItStillSucceed()
    {
        using var data = new TempDirectory("pyfi-kill");
        using var scratch = new TempDirectory("pyfi-kill-scratch");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "1" });
        var (running, waiting, _) = await RunningAndWaitingAsync(silo, repository, scratch);
        var cli = silo.Cli();

        foreach (var pid in PythonProcesses.Of(data.Path)) System.Diagnostics.Process.GetProcessById(pid).Kill();

        var first = await cli.RunAsync(["task", "result", "--id", running, "--wait"], timeout: TimeSpan.FromMinutes(1));
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("WorkerDied", first.Stderr);
        foreach (var id in waiting)
        {
            var result = await cli.RunAsync(["task", "result", "--id", id, "--wait"], timeout: TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode == 0, $"call {id}, never begun when its worker was killed: {result}");
            Assert.Equal(1, (await ShowAsync(cli, id)).GetProperty("attempts").GetInt32());
        }
    }

    // One slot, one attempt per call: a call that has begun in Python, one written behind it in the same process
    // (its socket says it is handed over), and two queued in the socket.
    private static async Task<(string Running, string[] Waiting, string Marker)> RunningAndWaitingAsync(SiloProcess silo, GitRepository repository, TempDirectory scratch)
    {
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "one", "-q", "q", "-pn", "sample", "-t", "marked_sleep", "-c", "1", "--max-attempts", "1");
        var marker = Path.Combine(scratch.Path, "began");

        // A slot writes a call behind the one it runs once its worker has answered once (it then holds a core): a
        // first call, then the long one and three more while the first still runs.
        var warmUp = Path.Combine(scratch.Path, "warm-up");
        await cli.OkAsync("task", "run", "-s", "one", "-d", $"['{warmUp}', 3]", "--no-wait");
        await Poll.UntilAsync(() => File.Exists(warmUp), TimeSpan.FromSeconds(60), "the first call to begin");
        var running = (await cli.OkAsync("task", "run", "-s", "one", "-d", $"['{marker}', 60]", "--no-wait")).Stdout.Trim();
        string[] waiting =
        [
            .. await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
                (await cli.OkAsync("task", "run", "-s", "one", "-d", $"['{Path.Combine(scratch.Path, $"w{i}")}', 0]", "--no-wait")).Stdout.Trim())),
        ];
        await Poll.UntilAsync(() => File.Exists(marker), TimeSpan.FromSeconds(60), "the long call to begin");

        // The socket writes one of them behind the running call, into the same Python process's stdin (looked at
        // through a .NET client: a process per look would load a busy host).
        await using (var client = await silo.ConnectAsync())
        {
            await Poll.UntilAsync(async () =>
            {
                var states = await Task.WhenAll(waiting.Select(async id => (await client.Call(Guid.Parse(id)).InfoAsync()).State));
                return states.Count(s => s == CallState.Running) == 1;
            }, TimeSpan.FromSeconds(30), "a call to be written behind the running one");
        }

        return (running, waiting, marker);
    }

    private static async Task<JsonElement> ShowAsync(PyfiCli cli, string id) =>
        JsonDocument.Parse((await cli.OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement;
}
