using System.Diagnostics;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Runtimes;

/// <summary>Node processors on a real silo: exports called by real node workers, their errors, limits and packages.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class NodeProcessorTests(RuntimeFixture fixture)
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task ExportsRunWithArgumentsKeywordArgumentsAndPromisesAndWhatTheyPrintIsKept()
    {
        await fixture.SocketAsync("js.upper", "js", "upper");
        await fixture.SocketAsync("js.add", "js", "add");
        await fixture.SocketAsync("js.later", "js", "later");

        var (upper, id) = await Cli.RunAsync("js.upper", "'hello'");
        var (add, _) = await Cli.RunAsync("js.add", "[1, 2]", "--kwargs", "{'extra': 10}");
        var (positional, _) = await Cli.RunAsync("js.add", "[1, 2]");
        var (later, _) = await Cli.RunAsync("js.later", "5");

        Assert.Equal((0, "HELLO\n"), (upper.ExitCode, upper.Stdout));
        Assert.Equal("upper of hello\nand on stderr\n", (await Cli.CallAsync(id)).GetProperty("output").GetString());
        Assert.Equal((0, "13\n"), (add.ExitCode, add.Stdout));
        Assert.Equal((0, "3\n"), (positional.ExitCode, positional.Stdout));
        Assert.Equal((0, "{\"value\":5,\"list\":[1,\"two\",null]}\n"), (later.ExitCode, later.Stdout));
        Assert.Contains("│ js ", (await Cli.OkAsync("ls", "processors")).Stdout.Replace("│ js.", "", StringComparison.Ordinal));
        Assert.Contains("node", (await Cli.OkAsync("ls", "processor", "-n", "js")).Stdout);
    }

    [Fact]
    public async Task AThrownErrorIsItsNameMessageAndStackAndAResultThatIsNotJsonIsSaidSo()
    {
        await fixture.SocketAsync("js.boom", "js", "boom", "--max-attempts", "1");
        await fixture.SocketAsync("js.big", "js", "big", "--max-attempts", "1");

        var (boom, id) = await Cli.RunAsync("js.boom", "'input'");
        var (big, _) = await Cli.RunAsync("js.big", "[]");

        Assert.Equal(1, boom.ExitCode);
        Assert.Contains("js.boom failed: TypeError: bad input", boom.Stderr);
        var error = (await Cli.CallAsync(id)).GetProperty("error");
        Assert.Equal("TypeError", error.GetProperty("type").GetString());
        Assert.Equal("bad input", error.GetProperty("message").GetString());
        Assert.Contains("lib/text.js:", error.GetProperty("traceback").GetString());
        Assert.DoesNotContain("pyfi_worker.js", error.GetProperty("traceback").GetString());
        Assert.Equal(1, big.ExitCode);
        Assert.Contains("ResultNotSerializable: the result of big() cannot be sent back as JSON", big.Stderr);
    }

    [Fact]
    public async Task AHangingCallIsKilledAtItsTimeLimitWithItsWorkerAndTheNextCallRuns()
    {
        await fixture.SocketAsync("js.hang", "js", "hang", "--timeout", "2s", "--max-attempts", "1", "-c", "1");
        await fixture.SocketAsync("js.upper-after", "js", "upper", "-c", "1");
        var marker = fixture.Marker("js-hang");

        var clock = Stopwatch.StartNew();
        var (hang, _) = await Cli.RunAsync("js.hang", $"'{marker}'");
        var pid = Assert.Single(await RuntimeFixture.PidsAsync(marker));
        var (next, _) = await Cli.RunAsync("js.upper-after", "'still here'");

        Assert.Equal(1, hang.ExitCode);
        Assert.Contains("TimeLimitExceeded", hang.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        await Poll.UntilAsync(() => !Processes.IsRunning(pid), TimeSpan.FromSeconds(10), $"node worker {pid} to be gone");
        Assert.Equal((0, "STILL HERE\n"), (next.ExitCode, next.Stdout));
    }

    [Fact]
    public async Task AHeapOrBuffersPastTheMemoryLimitFailTheCallAsMemoryLimitExceededAndTheNextCallRuns()
    {
        await Cli.OkAsync("add", "processor", "-n", "js.small", "-g", fixture.Repository.Path, "-m", "lib/text.js", "--runtime", "node", "--memory", "128M");
        await fixture.SocketAsync("js.hog", "js.small", "hog", "--max-attempts", "1", "-c", "1");
        await fixture.SocketAsync("js.buffers", "js.small", "buffers", "--max-attempts", "1", "-c", "1");

        var (hog, _) = await Cli.RunAsync("js.hog", "[]");
        var (buffers, _) = await Cli.RunAsync("js.buffers", "4096");
        var (next, _) = await Cli.RunAsync("js.buffers", "16");

        Assert.Equal(1, hog.ExitCode);
        Assert.Contains("MemoryLimitExceeded: the call needed more memory than the worker's limit of 128 MiB", hog.Stderr);
        Assert.Equal(1, buffers.ExitCode);
        // A large Buffer past RLIMIT_AS is a RangeError; many small ones run V8 itself out of memory first (measured).
        Assert.Matches("MemoryLimitExceeded: the call needed more memory|RangeError: Array buffer allocation failed", buffers.Stderr);
        Assert.Equal((0, "16\n"), (next.ExitCode, next.Stdout));
    }

    [Fact]
    public async Task AWorkerKilledMidCallIsRetriedAndTheCallSucceeds()
    {
        await fixture.SocketAsync("js.die-once", "js", "dieOnce", "--max-attempts", "3", "--backoff", "100ms");
        var marker = fixture.Marker("js-die");

        var call = Cli.RunAsync("js.die-once", $"'{marker}'");
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
    public async Task AMissingModuleIsTheProcessorsErrorAndAMissingExportIsFunctionNotFound()
    {
        await Cli.OkAsync("add", "processor", "-n", "js.missing", "-g", fixture.Repository.Path, "-m", "lib/nope.js", "--runtime", "node");
        await fixture.SocketAsync("js.nope", "js", "nope", "--max-attempts", "1");

        var error = await fixture.DeploymentErrorAsync("js.missing");
        var (nope, _) = await Cli.RunAsync("js.nope", "[]");

        Assert.StartsWith("module 'lib/nope.js' is not a .js, .mjs or .cjs file or a package folder of the repository at commit ", error);
        Assert.Equal(1, nope.ExitCode);
        Assert.Contains("FunctionNotFound: module 'lib/text.js' has no function 'nope'", nope.Stderr);
    }

    [Fact]
    public async Task APackageLockInstallsOfflineFromTheRepositoryAndADependencyThatCannotBeHadIsTheProcessorsError()
    {
        using var broken = await GitRepository.CreateAsync(new Dictionary<string, string>
        {
            ["app.js"] = "module.exports.loud = (t) => require('left-pad-that-is-not-here')(t);\n",
            ["package.json"] = """{"name": "broken", "version": "1.0.0", "dependencies": {"left-pad-that-is-not-here": "1.0.0"}}""",
            ["package-lock.json"] = """
                {"name": "broken", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {
                  "": {"name": "broken", "version": "1.0.0", "dependencies": {"left-pad-that-is-not-here": "1.0.0"}},
                  "node_modules/left-pad-that-is-not-here": {"version": "1.0.0",
                    "resolved": "https://registry.npmjs.org/left-pad-that-is-not-here/-/left-pad-that-is-not-here-1.0.0.tgz",
                    "integrity": "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}}}
                """,
        });
        await Cli.OkAsync("add", "processor", "-n", "js.app", "-g", fixture.Repository.Path, "-m", "lib/app.js", "--runtime", "node");
        await Cli.OkAsync("add", "processor", "-n", "js.shout", "-g", fixture.Repository.Path, "-m", "shout", "--runtime", "node");
        await Cli.OkAsync("add", "processor", "-n", "js.broken", "-g", broken.Path, "-m", "app.js", "--runtime", "node");
        await fixture.SocketAsync("js.loud", "js.app", "loud");

        var (loud, _) = await Cli.RunAsync("js.loud", "'quiet'");
        var error = await fixture.DeploymentErrorAsync("js.broken");

        Assert.True(loud.ExitCode == 0, loud.ToString());
        Assert.Equal("QUIET!\n", loud.Stdout);
        Assert.StartsWith("could not install package-lock.json: ", error);
        Assert.Contains("left-pad-that-is-not-here", error);
        Assert.DoesNotContain('\n', error);
        await Poll.UntilAsync(async () => (await Cli.OkAsync("ls", "processor", "-n", "js.shout")).Stdout.Contains("ready", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the package installed from the lock file to deploy as a module");
    }
}
