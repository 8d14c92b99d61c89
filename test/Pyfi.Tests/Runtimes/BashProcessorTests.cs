using System.Diagnostics;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Runtimes;

/// <summary>bash processors on a real silo: each call runs its script as a real process under the worker's limits.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class BashProcessorTests(RuntimeFixture fixture)
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task AScriptGetsTheArgumentsAsArgvAndTheCallAsJsonOnStdinAndItsStdoutTrimmedIsTheResult()
    {
        await fixture.SocketAsync("sh.args", "sh", "args.sh");
        await fixture.SocketAsync("sh.stdin", "sh", "stdin.sh");

        var (args, id) = await Cli.RunAsync("sh.args", "['a b', 2, {'x': [1, None]}, True]");
        var (stdin, _) = await Cli.RunAsync("sh.stdin", "['a', 1]", "--kwargs", "{'size': '10x10'}");

        Assert.Equal((0, "[a b][2][{\"x\":[1,null]}][true]\n"), (args.ExitCode, args.Stdout));
        Assert.Equal("got 4 arguments\n", (await Cli.CallAsync(id)).GetProperty("output").GetString());
        Assert.Equal((0, "{\"args\":[\"a\",1],\"kwargs\":{\"size\":\"10x10\"}}\n"), (stdin.ExitCode, stdin.Stdout));
        Assert.Contains("bash", (await Cli.OkAsync("ls", "processor", "-n", "sh")).Stdout);
    }

    [Fact]
    public async Task ANonZeroExitFailsWithItsStderrAndExitCodeAndAMissingOrPlainScriptIsFunctionNotFound()
    {
        await fixture.SocketAsync("sh.fail", "sh", "fail.sh", "--max-attempts", "5", "--no-retry-on", "ExitCode3");
        await fixture.SocketAsync("sh.missing", "sh", "missing.sh", "--max-attempts", "1");
        await fixture.SocketAsync("sh.plain", "sh", "plain.sh", "--max-attempts", "1");
        await Cli.OkAsync("add", "processor", "-n", "sh.nofolder", "-g", fixture.Repository.Path, "-m", "scripts/", "--runtime", "bash");

        var (fail, id) = await Cli.RunAsync("sh.fail", "'photo.png'");
        var (missing, _) = await Cli.RunAsync("sh.missing", "[]");
        var (plain, _) = await Cli.RunAsync("sh.plain", "[]");
        var error = await fixture.DeploymentErrorAsync("sh.nofolder");

        Assert.Equal(1, fail.ExitCode);
        Assert.Contains("sh.fail failed: ExitCode3: cannot resize photo.png", fail.Stderr);
        var call = await Cli.CallAsync(id);
        Assert.Equal(1, call.GetProperty("attempts").GetInt32());
        Assert.Equal("fail.sh ended with exit code 3\ncannot resize photo.png", call.GetProperty("error").GetProperty("traceback").GetString());
        Assert.Contains("FunctionNotFound: folder 'bin' has no script 'missing.sh'", missing.Stderr);
        Assert.Contains("FunctionNotFound: script 'plain.sh' is not executable", plain.Stderr);
        Assert.StartsWith("folder 'scripts/' is not a folder of the repository at commit ", error);
    }

    [Fact]
    public async Task AHangingScriptIsKilledAtItsTimeLimitWithItsSupervisorAndTheNextCallRuns()
    {
        await fixture.SocketAsync("sh.hang", "sh", "hang.sh", "--timeout", "2s", "--max-attempts", "1", "-c", "1");
        await fixture.SocketAsync("sh.reverse-after", "sh", "reverse.sh", "-c", "1");
        var marker = fixture.Marker("sh-hang");

        var clock = Stopwatch.StartNew();
        var (hang, _) = await Cli.RunAsync("sh.hang", $"'{marker}'");
        var pids = await RuntimeFixture.PidsAsync(marker);
        var (next, _) = await Cli.RunAsync("sh.reverse-after", "'abc'");

        Assert.Equal(1, hang.ExitCode);
        Assert.Contains("TimeLimitExceeded", hang.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        await Poll.UntilAsync(() => !pids.Any(Processes.IsRunning), TimeSpan.FromSeconds(10), $"the script and its supervisor ({string.Join(", ", pids)}) to be gone");
        Assert.Equal((0, "cba\n"), (next.ExitCode, next.Stdout));
    }

    [Fact]
    public async Task ASupervisorKilledMidCallIsRetriedAndTheCallSucceeds()
    {
        await fixture.SocketAsync("sh.die-once", "sh", "die-once.sh", "--max-attempts", "3", "--backoff", "100ms");
        var marker = fixture.Marker("sh-die");

        var call = Cli.RunAsync("sh.die-once", $"'{marker}'");
        var pid = Assert.Single(await RuntimeFixture.PidsAsync(marker));
        Process.GetProcessById(pid).Kill();
        var (run, id) = await call;

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("survived\n", run.Stdout);
        var shown = await Cli.CallAsync(id);
        Assert.Equal(2, shown.GetProperty("attempts").GetInt32());
        Assert.Equal("WorkerDied", Assert.Single(shown.GetProperty("history").EnumerateArray()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task OutputPastThePayloadLimitFailsTheCallAndAChildLeftRunningEndsWithIt()
    {
        await fixture.SocketAsync("sh.big", "sh", "big.sh", "--max-attempts", "1");
        await fixture.SocketAsync("sh.forks", "sh", "forks.sh", "--max-attempts", "1");

        var (big, _) = await Cli.RunAsync("sh.big", "[]");
        var clock = Stopwatch.StartNew();
        var (forks, _) = await Cli.RunAsync("sh.forks", "[]");

        Assert.Equal(1, big.ExitCode);
        Assert.Contains("ResultTooLarge", big.Stderr);
        Assert.True(forks.ExitCode == 0, forks.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}: the call waited for the child");
        var child = int.Parse(forks.Stdout.Trim());
        await Poll.UntilAsync(() => !Processes.IsRunning(child), TimeSpan.FromSeconds(10), $"the child {child} the script left to be killed");
    }
}
