using System.Diagnostics;
using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Reliability;

/// <summary>
/// A silo stopped as people and service managers stop it (Ctrl+C in its terminal, SIGTERM) costs its calls nothing:
/// running attempts finish within <c>PYFI_DRAIN</c> or are handed back uncounted, Python workers never see the
/// terminal's signal, and a clean stop logs no warning.
/// </summary>
public sealed class GracefulStopTests
{
    [Fact]
    public async Task ALongCallCutOffByThreeStopsSucceedsWithOneAttempt()
    {
        using var data = new TempDirectory("pyfi-stop");
        using var scratch = new TempDirectory("pyfi-stop-scratch");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        var environment = new Dictionary<string, string> { ["PYFI_CORES"] = "1", ["PYFI_DRAIN"] = "00:00:01" };
        var silo = await SiloProcess.StartAsync(data.Path, environment, ownProcessGroup: true);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            // One attempt allowed: a stop that charged one would fail the call.
            // The call runs until the test lets it end: each stop surely finds it running.
            await cli.OkAsync("add", "socket", "-n", "long", "-q", "q", "-pn", "sample", "-t", "held", "-c", "1", "--max-attempts", "1");
            var marker = Path.Combine(scratch.Path, "began");
            var gate = Path.Combine(scratch.Path, "gate");
            var id = (await cli.OkAsync("task", "run", "-s", "long", "-d", $"['{gate}', '{marker}']", "--no-wait")).Stdout.Trim();

            Func<SiloProcess, Task>[] stops = [s => s.InterruptGroupAsync(), s => s.TerminateAsync(), s => s.InterruptGroupAsync()];
            for (var round = 0; round < stops.Length; round++)
            {
                // The attempt has begun in Python (its line is written), then the silo is stopped under it.
                await Poll.UntilAsync(() => Began(marker) == round + 1, TimeSpan.FromSeconds(60), $"start {round + 1} of the call");
                await stops[round](silo);
                var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

                Assert.True(exit == 0, $"stop {round + 1} exited {exit}:\n{silo.Output}");
                Assert.Contains("were cut off and handed back", silo.Output);
                silo.AssertNoWarnings();
                var ports = silo.Ports;
                await silo.DisposeAsync();
                silo = await SiloProcess.StartAsync(data.Path, environment, ports: ports, ownProcessGroup: true);
                cli = silo.Cli();
            }

            await Poll.UntilAsync(() => Began(marker) == stops.Length + 1, TimeSpan.FromSeconds(60), "the last start of the call");
            await File.WriteAllTextAsync(gate, "");
            var result = await cli.RunAsync(["task", "result", "--id", id, "--wait"], timeout: TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.True(JsonDocument.Parse(result.Stdout).RootElement.TryGetProperty("end", out _), result.ToString());
            var call = JsonDocument.Parse((await cli.OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement;
            Assert.Equal("succeeded", call.GetProperty("state").GetString());
            Assert.Equal(1, call.GetProperty("attempts").GetInt32());
            var history = call.GetProperty("history").EnumerateArray().ToList();
            Assert.Equal(3, history.Count);
            Assert.All(history, a => Assert.Equal("InterruptedByShutdown", a.GetProperty("error").GetProperty("type").GetString()));
            Assert.Equal(4, Began(marker));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task AStopLetsRunningCallsFinishHandsBackWhatWaitedAndLogsNoWarning()
    {
        using var data = new TempDirectory("pyfi-stop");
        using var scratch = new TempDirectory("pyfi-stop-scratch");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        var environment = new Dictionary<string, string> { ["PYFI_CORES"] = "1", ["PYFI_DRAIN"] = "00:01:00" };
        await using (var silo = await SiloProcess.StartAsync(data.Path, environment, ownProcessGroup: true))
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await cli.OkAsync("add", "socket", "-n", "long", "-q", "q", "-pn", "sample", "-t", "held", "-c", "1", "--max-attempts", "1");
            var first = Path.Combine(scratch.Path, "first");
            var gate = Path.Combine(scratch.Path, "gate");
            var running = (await cli.OkAsync("task", "run", "-s", "long", "-d", $"['{gate}', '{first}']", "--no-wait")).Stdout.Trim();
            var behind = (await cli.OkAsync("task", "run", "-s", "long", "-d", $"['{gate}', '{Path.Combine(scratch.Path, "behind")}']", "--no-wait")).Stdout.Trim();
            await Poll.UntilAsync(() => Began(first) == 1, TimeSpan.FromSeconds(60), "the first call to begin");
            var clock = Stopwatch.StartNew();

            // Stopped while the first call runs (it runs until the test lets it end), then let end within the drain.
            await silo.InterruptGroupAsync();
            await silo.WaitForOutputAsync("no new attempts start here; 1 running may finish", TimeSpan.FromSeconds(30));
            await File.WriteAllTextAsync(gate, "");
            var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.True(exit == 0, silo.Output);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the stop took {clock.Elapsed}");
            silo.AssertNoWarnings();
            Assert.DoesNotContain("cut off", silo.Output);
            Assert.True(Began(Path.Combine(scratch.Path, "behind")) == 0, silo.Output);
            Assert.Empty(PythonProcesses.Of(data.Path));
            await using var again = await SiloProcess.StartAsync(data.Path, environment, ports: silo.Ports);
            var done = JsonDocument.Parse((await again.Cli().OkAsync("ls", "call", "--id", running, "--json")).Stdout).RootElement;
            Assert.Equal("succeeded", done.GetProperty("state").GetString());
            Assert.Equal(1, done.GetProperty("attempts").GetInt32());
            Assert.Empty(done.GetProperty("history").EnumerateArray());
            var after = await again.Cli().RunAsync(["task", "result", "--id", behind, "--wait"], timeout: TimeSpan.FromMinutes(1));
            Assert.True(after.ExitCode == 0, after.ToString());
        }
    }

    [Fact]
    public async Task ASecondCtrlCStopsAtOnceWithoutChargingAnAttempt()
    {
        using var data = new TempDirectory("pyfi-stop");
        using var scratch = new TempDirectory("pyfi-stop-scratch");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        var environment = new Dictionary<string, string> { ["PYFI_CORES"] = "1", ["PYFI_DRAIN"] = "00:05:00" };
        await using var silo = await SiloProcess.StartAsync(data.Path, environment, ownProcessGroup: true);
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "long", "-q", "q", "-pn", "sample", "-t", "held", "-c", "1", "--max-attempts", "1");
        var marker = Path.Combine(scratch.Path, "began");
        var gate = Path.Combine(scratch.Path, "gate");
        var id = (await cli.OkAsync("task", "run", "-s", "long", "-d", $"['{gate}', '{marker}']", "--no-wait")).Stdout.Trim();
        await Poll.UntilAsync(() => Began(marker) == 1, TimeSpan.FromSeconds(60), "the call to begin");

        await silo.InterruptGroupAsync();
        await silo.WaitForOutputAsync("no new attempts start here", TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        await silo.InterruptGroupAsync();
        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, silo.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the second Ctrl+C took {clock.Elapsed} to stop the silo:\n{silo.Output}");
        silo.AssertNoWarnings();
        await using var again = await SiloProcess.StartAsync(data.Path, environment, ports: silo.Ports);
        await File.WriteAllTextAsync(gate, "");
        var result = await again.Cli().RunAsync(["task", "result", "--id", id, "--wait"], timeout: TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        var call = JsonDocument.Parse((await again.Cli().OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement;
        Assert.Equal(1, call.GetProperty("attempts").GetInt32());
    }

    private static int Began(string marker) => File.Exists(marker) ? File.ReadAllLines(marker).Length : 0;
}
