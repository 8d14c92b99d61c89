using System.Text.Json;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>
/// The README's quick start, run as written by bash with the real tool on PATH against a real silo. The network
/// reaches only this machine, so the upstream repository is stood in for by a local one of the same shape: its
/// module at <c>pyfi/processors/sample.py</c> in the commit the README pins, moved to <c>ext/processors</c> in
/// the next (as upstream did), and functions that, like upstream's, return a dict.
/// </summary>
public sealed partial class QuickStartTests : IAsyncLifetime
{
    private const string Upstream = "https://github.com/radiantone/pyfi-processors";
    private const string PinnedCommit = "d338693";

    // Written for this test: the shape of the upstream sample's results, not its code.
    private const string Sample = """
        def do_something(message, *args, **kwargs):
            return {"message": "TEXT:" + str(message) + " ".join(args), "graph": {"name": "temperature", "value": 3}}


        def do_this(message, *args, **kwargs):
            return {"message": "Do this String: " + str(message) + " ".join(args), "graph": {"name": "distance", "value": 7}}
        """;

    private readonly TempDirectory _data = new("pyfi-quickstart");
    private readonly TempDirectory _bin = new("pyfi-quickstart-bin");
    private SiloProcess _silo = null!;
    private GitRepository _repository = null!;
    private string _pinned = null!;

    public async Task InitializeAsync()
    {
        _repository = await GitRepository.CreateAsync(new Dictionary<string, string>
        {
            ["setup.py"] = "",
            ["pyfi/__init__.py"] = "",
            ["pyfi/processors/__init__.py"] = "",
            ["pyfi/processors/sample.py"] = Sample,
        });
        _pinned = (await _repository.GitAsync("rev-parse", "--short=7", "HEAD")).Trim();
        await _repository.GitAsync("mv", "pyfi", "ext");
        await _repository.CommitAsync(new Dictionary<string, string>(), "moved to ext.processors");
        _silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var pyfi = Path.Combine(_bin.Path, "pyfi");
        await File.WriteAllTextAsync(pyfi, $"#!/bin/sh\nexec {TestEnvironment.CliShellCommand} \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(pyfi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _repository.Dispose();
        _bin.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task TheQuickStartRunsAsWritten()
    {
        var lines = QuickStartLines();
        Assert.Contains(lines, l => l.Contains($"-g {Upstream} -m pyfi.processors.sample --commit {PinnedCommit}", StringComparison.Ordinal));

        var outputs = new List<CliResult>();
        foreach (var line in lines.Where(l => !l.StartsWith("dotnet ", StringComparison.Ordinal) && !l.StartsWith("export PATH=", StringComparison.Ordinal)))
        {
            var run = await BashAsync(line.Replace(Upstream, _repository.Path, StringComparison.Ordinal).Replace($"--commit {PinnedCommit}", $"--commit {_pinned}", StringComparison.Ordinal));
            Assert.True(run.ExitCode == 0, $"{line}\n{run}");
            outputs.Add(run);
        }

        var some = Assert.Single(outputs, o => o.Stdout.Contains("TEXT:some data", StringComparison.Ordinal));
        using (var result = JsonDocument.Parse(some.Stdout))
        {
            Assert.Equal("TEXT:some data", result.RootElement.GetProperty("message").GetString());
        }

        var piped = Assert.Single(outputs, o => o.Stdout.Contains("Do this String", StringComparison.Ordinal));
        using (var result = JsonDocument.Parse(piped.Stdout))
        {
            Assert.Matches("""^Do this String: \{"message":"TEXT:HI THERE!","graph":\{.*\}\} add some text$""", result.RootElement.GetProperty("message").GetString());
        }

        Assert.Matches(@"│ proc1\s+│ pyfi\.processors\.sample\s+│ .* │ ready\s+│ 2\s+│ -\s+│", outputs[^1].Stdout);
    }

    [Fact]
    public async Task ThePlugExampleRunsAsWrittenOnTheQuickStartsNetwork()
    {
        foreach (var line in QuickStartLines().Where(l => l.StartsWith("pyfi add ", StringComparison.Ordinal)))
        {
            await OkAsync(line.Replace(Upstream, _repository.Path, StringComparison.Ordinal).Replace($"--commit {PinnedCommit}", $"--commit {_pinned}", StringComparison.Ordinal));
        }

        var readme = Readme();
        var block = BashBlock().Match(readme, readme.IndexOf("**Plugs: data that flows by itself.**", StringComparison.Ordinal));
        var lines = block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);
        foreach (var line in lines) await OkAsync(line);

        // The last line shows the call the plug made; once it has ended, its result is do_this of do_something's.
        string? message = null;
        await Poll.UntilAsync(async () =>
        {
            using var calls = JsonDocument.Parse((await BashAsync(lines[^1])).Stdout);
            var call = calls.RootElement.EnumerateArray().Single();
            if (call.GetProperty("state").GetString() != "succeeded") return false;
            using var result = JsonDocument.Parse(call.GetProperty("result").GetString()!);
            message = result.RootElement.GetProperty("message").GetString();
            return true;
        }, TimeSpan.FromSeconds(60), "the plug's call to end");
        Assert.StartsWith("Do this String: {'message': 'TEXT:hello'", message);
    }

    [Fact]
    public async Task TheScheduleExampleRunsAsWrittenOnTheQuickStartsNetwork()
    {
        foreach (var line in QuickStartLines().Where(l => l.StartsWith("pyfi add ", StringComparison.Ordinal)))
        {
            await OkAsync(line.Replace(Upstream, _repository.Path, StringComparison.Ordinal).Replace($"--commit {PinnedCommit}", $"--commit {_pinned}", StringComparison.Ordinal));
        }

        var readme = Readme();
        var block = BashBlock().Match(readme, readme.IndexOf("**Schedules: calls at fixed times.**", StringComparison.Ordinal));
        var lines = block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);

        await OkAsync(lines[0]);
        var shown = await BashAsync(lines[1]);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("every 10s", shown.Stdout);
        Assert.Contains("Next slot", shown.Stdout);
        await OkAsync(lines[2]);
        Assert.DoesNotContain("every-ten", (await BashAsync("pyfi ls schedules")).Stdout);
    }

    [Fact]
    public async Task TheNetworkFileExampleRunsAsWrittenOnTheQuickStartsNetwork()
    {
        foreach (var line in QuickStartLines().Where(l => l.StartsWith("pyfi add ", StringComparison.Ordinal)))
        {
            await OkAsync(line.Replace(Upstream, _repository.Path, StringComparison.Ordinal).Replace($"--commit {PinnedCommit}", $"--commit {_pinned}", StringComparison.Ordinal));
        }

        var readme = Readme();
        var block = BashBlock().Match(readme, readme.IndexOf("**The network as a file.**", StringComparison.Ordinal));
        var lines = block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var folder = new TempDirectory("pyfi-quickstart-file");
        List<CliResult> runs = [];
        foreach (var line in lines)
        {
            var run = await BashAsync(line, folder.Path);
            Assert.True(run.ExitCode == 0, $"{line}\n{run}");
            runs.Add(run);
        }

        const string Change = "~ socket pyfi.processors.sample.do_something (concurrency 5 -> 6)\n";
        Assert.Equal(5, lines.Length);
        Assert.Equal(Change + "dry run: would be 0 added, 1 changed, 0 deleted; nothing was changed\n", runs[2].Stdout);
        Assert.Equal(Change + "applied: 0 added, 1 changed, 0 deleted\n", runs[3].Stdout);
        Assert.Equal("no changes\n", runs[4].Stdout);
        Assert.Contains("\"concurrency\":6", (await BashAsync("pyfi ls socket -n pyfi.processors.sample.do_something --json")).Stdout.Replace(" ", ""));
    }

    [Fact]
    public async Task TheRuntimesExampleRunsAsWrittenOnTheQuickStartsNetwork()
    {
        foreach (var line in QuickStartLines().Where(l => l.StartsWith("pyfi add ", StringComparison.Ordinal)))
        {
            await OkAsync(line.Replace(Upstream, _repository.Path, StringComparison.Ordinal).Replace($"--commit {PinnedCommit}", $"--commit {_pinned}", StringComparison.Ordinal));
        }

        var readme = Readme();
        var block = BashBlock().Match(readme, readme.IndexOf("**Runtimes: node and bash processors.**", StringComparison.Ordinal));
        var lines = block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var tools = new TempDirectory("pyfi-quickstart-tools");
        var runs = new List<CliResult>();
        foreach (var line in lines)
        {
            var run = await BashAsync(line.Replace("/tmp/pyfi-tools", tools.Path, StringComparison.Ordinal));
            Assert.True(run.ExitCode == 0, $"{line}\n{run}");
            runs.Add(run);
        }

        Assert.Equal(10, lines.Length);
        Assert.Equal("HELLO?\n", runs[^2].Stdout);
        Assert.Equal("olleh\n", runs[^1].Stdout);
        Assert.Contains("The first call prints `HELLO?`, the second `olleh`.", readme);
    }

    [Fact]
    public async Task WithoutThePinTheMovedModuleIsTheProcessorsErrorAndExtProcessorsRuns()
    {
        await OkAsync("pyfi add queue -n q");
        await OkAsync($"pyfi add processor -n tip -g {_repository.Path} -m pyfi.processors.sample");
        await OkAsync($"pyfi add processor -n ext -g {_repository.Path} -m ext.processors.sample");
        await OkAsync("pyfi add socket -n ext.do_something -q q -pn ext -t do_something");

        var run = await BashAsync("pyfi task run -s ext.do_something -d \"['x']\"");
        string? error = null;
        await Poll.UntilAsync(async () =>
        {
            using var tip = JsonDocument.Parse((await BashAsync("pyfi ls processor -n tip --json")).Stdout);
            error = tip.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            return tip.RootElement.GetProperty("status").GetString() == "error";
        }, TimeSpan.FromSeconds(60), "the processor without the pin to fail its deployment");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("{\"message\":\"TEXT:x\"", run.Stdout);
        Assert.Contains("pyfi.processors.sample", error);
    }

    [Fact]
    public async Task TheDotNetExampleReadsTheDictTheFunctionReturns()
    {
        await OkAsync("pyfi add queue -n dotnet.q");
        await OkAsync($"pyfi add processor -n dotnet.p -g {_repository.Path} -m pyfi.processors.sample --commit {_pinned}");
        await OkAsync("pyfi add socket -n dotnet.do_something -q dotnet.q -pn dotnet.p -t do_something");
        await using var pyfi = await _silo.ConnectAsync();

        // As the README's example, with the socket named here.
        var doSomething = pyfi.Socket<string, JsonElement>("dotnet.do_something");
        var message = (await doSomething.CallAsync("One")).GetProperty("message").GetString();

        Assert.Equal("TEXT:One", message);
        Assert.Contains("pyfi.Socket<string, JsonElement>(\"pyfi.processors.sample.do_something\")", Readme());
        Assert.Contains(".GetProperty(\"message\"));   // TEXT:One", Readme());
    }

    [Fact]
    public async Task TheFollowExampleRunsAsWrittenOnTheQuickStartsNetwork()
    {
        foreach (var line in QuickStartLines().Where(l => l.StartsWith("pyfi add ", StringComparison.Ordinal)))
        {
            await OkAsync(line.Replace(Upstream, _repository.Path, StringComparison.Ordinal).Replace($"--commit {PinnedCommit}", $"--commit {_pinned}", StringComparison.Ordinal));
        }

        var readme = Readme();
        var block = BashBlock().Match(readme, readme.IndexOf("**Following what a socket or a run produces.**", StringComparison.Ordinal));
        var lines = block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, lines.Length);

        // The first shell follows from now; the second's call is run until one ends after the follower began (it says
        // nothing before its first line, so the call is sent again until that line comes).
        var follower = BashAsync(lines[0]);
        for (var tries = 0; !follower.IsCompleted && tries < 60; tries++)
        {
            await OkAsync(lines[1]);
            await Task.WhenAny(follower, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        var followed = await follower;
        Assert.True(followed.ExitCode == 0, followed.ToString());
        using var printed = JsonDocument.Parse(followed.Stdout);
        Assert.Equal("pyfi.processors.sample.do_this", printed.RootElement.GetProperty("socket").GetString());
        Assert.Equal("succeeded", printed.RootElement.GetProperty("state").GetString());
        Assert.Equal("Do this String: followed", printed.RootElement.GetProperty("result").GetProperty("message").GetString());
    }

    // The bash block after "In another shell": one command line each.
    private static string[] QuickStartLines()
    {
        var readme = Readme();
        var from = readme.IndexOf("In another shell", StringComparison.Ordinal);
        var block = BashBlock().Match(readme, from);
        Assert.True(block.Success, "the README's quick start has a bash block");
        return block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string Readme() => File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));

    private async Task OkAsync(string line)
    {
        var run = await BashAsync(line);
        Assert.True(run.ExitCode == 0, $"{line}\n{run}");
    }

    private async Task<CliResult> BashAsync(string line, string? workingDirectory = null)
    {
        var env = new Dictionary<string, string?>();
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("PYFI_", StringComparison.Ordinal))) env[key] = null;
        env["PYFI_GATEWAY"] = _silo.Gateway;
        env["PYFI_TOKEN"] = _silo.AdminToken;
        env["PATH"] = $"{_bin.Path}:{Environment.GetEnvironmentVariable("PATH")}";
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var result = await CliWrap.Cli.Wrap("bash").WithArguments(["-o", "pipefail", "-c", line]).WithEnvironmentVariables(env)
            .WithWorkingDirectory(workingDirectory ?? Directory.GetCurrentDirectory())
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cts.Token);
        return new CliResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    [GeneratedRegex(@"```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
