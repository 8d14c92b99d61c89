using System.Diagnostics;
using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>The real <c>pyfi</c> tool against a real silo process: building a network, listing it, changing it.</summary>
public sealed class CliModelTests(SqliteSiloFixture fixture) : IClassFixture<SqliteSiloFixture>
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task TheSeedSessionBuildsTheNetwork()
    {
        var added = new[]
        {
            await Cli.OkAsync("add", "queue", "-n", "seed.queue1", "-t", "direct"),
            await Cli.OkAsync("add", "processor", "-n", "seed.proc1", "-g", "https://github.com/radiantone/pyfi-processors", "-m", "pyfi.processors.sample"),
            await Cli.OkAsync("add", "socket", "-n", "seed.do_something", "-q", "seed.queue1", "-pn", "seed.proc1", "-t", "do_something", "-c", "5"),
            await Cli.OkAsync("add", "socket", "-n", "seed.do_this", "-q", "seed.queue1", "-pn", "seed.proc1", "-t", "do_this", "-c", "8"),
        };

        Assert.All(added, r => Assert.Empty(r.Stderr));
        Assert.Equal("queue 'seed.queue1' added (direct)", added[0].Stdout.Trim());
        var sockets = Parse((await Cli.OkAsync("ls", "sockets", "--json")).Stdout).EnumerateArray()
            .Where(s => s.GetProperty("spec").GetProperty("queue").GetString() == "seed.queue1")
            .ToDictionary(s => s.GetProperty("spec").GetProperty("name").GetString()!, s => s.GetProperty("spec"));
        Assert.Equal(5, sockets["seed.do_something"].GetProperty("concurrency").GetInt32());
        Assert.Equal("do_this", sockets["seed.do_this"].GetProperty("function").GetString());
        Assert.Equal("seed.proc1", sockets["seed.do_this"].GetProperty("processor").GetString());
        var processor = Parse((await Cli.OkAsync("ls", "processor", "-n", "seed.proc1", "--json")).Stdout);
        Assert.Equal("pyfi.processors.sample", processor.GetProperty("spec").GetProperty("module").GetString());
        Assert.Equal(["seed.do_something", "seed.do_this"], processor.GetProperty("sockets").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ListingsAreTablesForPeople()
    {
        await Cli.OkAsync("add", "queue", "-n", "table.q", "-t", "fanout");
        await Cli.OkAsync("add", "processor", "-n", "table.p", "-g", "/srv/git/p.git", "-m", "pkg.mod", "-b", "main", "--commit", "0123456789abcdef0123", "-w", "4", "--memory", "1G");
        await Cli.OkAsync("add", "socket", "-n", "table.s", "-q", "table.q", "-pn", "table.p", "-t", "work", "--timeout", "90s", "--max-attempts", "5");

        var queues = (await Cli.OkAsync("ls", "queues")).Stdout;
        var processors = (await Cli.OkAsync("ls", "processors")).Stdout;
        var socket = (await Cli.OkAsync("ls", "socket", "-n", "table.s")).Stdout;

        Assert.Contains("│ Name", queues);
        Assert.Matches(@"│ table\.q\s+│ fanout\s+│ yes\s+│ table\.s\s+│", queues);
        Assert.Matches(@"│ table\.p\s+│ pkg\.mod\s+│ python\s+│ /srv/git/p\.git\s+│ main\s+│ 0123456789ab\s+│ 4\s+│ 1 GiB\s+│ yes\s+│ ready\s+│ \w+\s+│ 1\s+│", processors);
        Assert.Matches(@"Timeout\s+1m30s", socket);
        Assert.Matches(@"Max attempts\s+5", socket);
    }

    [Fact]
    public async Task UpdateChangesWhatItNamesAndDeleteRemoves()
    {
        await Cli.OkAsync("add", "queue", "-n", "upd.q1");
        await Cli.OkAsync("add", "queue", "-n", "upd.q2", "-t", "topic");
        await Cli.OkAsync("add", "processor", "-n", "upd.p", "-g", "/srv/git/p.git", "-m", "pkg.mod");
        await Cli.OkAsync("add", "socket", "-n", "upd.s", "-q", "upd.q1", "-pn", "upd.p", "-t", "work");

        await Cli.OkAsync("update", "processor", "-n", "upd.p", "--commit", "abcdef12", "--enabled", "false", "--memory", "512M");
        var memory = Parse((await Cli.OkAsync("ls", "processor", "-n", "upd.p", "--json")).Stdout).GetProperty("spec").GetProperty("memory").GetInt64();
        await Cli.OkAsync("update", "processor", "-n", "upd.p", "--memory", "0");
        await Cli.OkAsync("update", "socket", "-n", "upd.s", "-q", "upd.q2", "-c", "3");
        var processor = Parse((await Cli.OkAsync("ls", "processor", "-n", "upd.p", "--json")).Stdout).GetProperty("spec");
        var socket = Parse((await Cli.OkAsync("ls", "socket", "-n", "upd.s", "--json")).Stdout).GetProperty("spec");
        Assert.Equal(512L << 20, memory);
        Assert.False(processor.TryGetProperty("memory", out _), "--memory 0 returns to the silo's default");
        Assert.Equal("abcdef12", processor.GetProperty("commit").GetString());
        Assert.False(processor.GetProperty("enabled").GetBoolean());
        Assert.Equal("pkg.mod", processor.GetProperty("module").GetString());
        Assert.Equal(("upd.q2", 3), (socket.GetProperty("queue").GetString(), socket.GetProperty("concurrency").GetInt32()));

        await Cli.OkAsync("delete", "queue", "-n", "upd.q1");
        await Cli.OkAsync("delete", "socket", "-n", "upd.s");
        await Cli.OkAsync("delete", "processor", "-n", "upd.p");
        var names = Parse((await Cli.OkAsync("ls", "queues", "--json")).Stdout).EnumerateArray().Select(q => q.GetProperty("spec").GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("upd.q1", names);
        Assert.Contains("upd.q2", names);
        Assert.Equal(1, (await Cli.RunAsync(["ls", "socket", "-n", "upd.s"])).ExitCode);
    }

    [Theory]
    [InlineData("add queue -n err.dup", "queue 'err.dup' already exists")]
    [InlineData("add socket -n err.s -q missing.queue -pn err.p -t f", "queue 'missing.queue' does not exist")]
    [InlineData("add socket -n err.s -q err.dup -pn missing.proc -t f", "processor 'missing.proc' does not exist")]
    [InlineData("delete queue -n err.used", "queue 'err.used' is used by socket 'err.user'; delete or move it first")]
    [InlineData("delete processor -n err.p", "processor 'err.p' is used by socket 'err.user'; delete or move it first")]
    [InlineData("ls queue -n no.such.queue", "queue 'no.such.queue' does not exist")]
    [InlineData("update socket -n no.such.socket -c 2", "socket 'no.such.socket' does not exist")]
    [InlineData("delete socket -n no.such.socket", "socket 'no.such.socket' does not exist")]
    [InlineData("add queue -n bad/name", "queue name 'bad/name' may hold only letters")]
    [InlineData("add processor -n err.m -g /r -m 9bad", "processor 'err.m': module '9bad' is not a Python module path")]
    [InlineData("add socket -n err.c -q err.dup -pn err.p -t f -c 0", "socket 'err.c': concurrency must be between 1 and 4096")]
    [InlineData("add processor -n err.mem -g /r -m m --memory 1M", "processor 'err.mem': memory must be between 64 MiB and 1 TiB, not 1 MiB")]
    [InlineData("update processor -n err.p --memory 2T", "processor 'err.p': memory must be between 64 MiB and 1 TiB, not 2 TiB")]
    public async Task ARefusedCommandExitsOneWithOneLineAndChangesNothing(string commandLine, string message)
    {
        await EnsureErrorFixturesAsync();
        var before = await SnapshotAsync();

        var result = await Cli.RunAsync(commandLine);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"pyfi: {message}", line);
        Assert.Empty(result.Stdout);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("add queue", "Option '--name' is required.")]
    [InlineData("add socket -n x -q q -pn p", "Option '--function' is required.")]
    [InlineData("add", "Required command was not provided.")]
    [InlineData("frobnicate", "Unrecognized command or argument 'frobnicate'.")]
    [InlineData("add socket -n x -q q -pn p -t f -c many", "--concurrency: 'many' is not a whole number")]
    [InlineData("add queue -n err.t -t bogus", "--type: 'bogus' is not one of direct|topic|fanout")]
    [InlineData("add socket -n err.to -q err.dup -pn err.p -t f --timeout soon", "--timeout: 'soon' is not a duration")]
    [InlineData("add processor -n err.mem -g /r -m m --memory lots", "--memory: 'lots' is not an amount of memory (e.g. 512M, 2G)")]
    public async Task AMalformedCommandLineExitsTwo(string commandLine, string message)
    {
        var result = await Cli.RunAsync(commandLine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Contains("--help", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task AnUnreachableGatewayIsOneClearLineAndFast()
    {
        var port = FreePorts.Take(1)[0];
        var watch = Stopwatch.StartNew();

        var result = await new PyfiCli($"127.0.0.1:{port}").RunAsync(["ls", "queues"]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"pyfi: cannot reach the Pyfi network at 127.0.0.1:{port}", line);
        Assert.Contains("Connection", line, StringComparison.OrdinalIgnoreCase);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task TheGatewayOptionWinsOverTheEnvironment()
    {
        var cli = new PyfiCli($"127.0.0.1:{FreePorts.Take(1)[0]}", token: fixture.Silo.AdminToken);

        var result = await cli.RunAsync(["ls", "queues", "--json", "--gateway", fixture.Silo.Gateway]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(JsonValueKind.Array, Parse(result.Stdout).ValueKind);
    }

    [Fact]
    public async Task VersionAndHelpNeedNoNetwork()
    {
        var offline = new PyfiCli($"127.0.0.1:{FreePorts.Take(1)[0]}");

        var version = await offline.RunAsync(["version"]);
        var help = await offline.RunAsync(["add", "socket", "--help"]);

        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^pyfi \d+\.\d+\.\d+", version.Stdout.Trim());
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("-pn, --processor, --procname", help.Stdout);
    }

    private async Task EnsureErrorFixturesAsync()
    {
        if ((await fixture.Client.Registry.ListQueuesAsync()).Any(q => q.Spec.Name == "err.dup")) return;
        await Cli.OkAsync("add", "queue", "-n", "err.dup");
        await Cli.OkAsync("add", "queue", "-n", "err.used");
        await Cli.OkAsync("add", "processor", "-n", "err.p", "-g", "/srv/git/p.git", "-m", "pkg.mod");
        await Cli.OkAsync("add", "socket", "-n", "err.user", "-q", "err.used", "-pn", "err.p", "-t", "f");
    }

    private async Task<string> SnapshotAsync()
    {
        var registry = fixture.Client.Registry;
        return JsonSerializer.Serialize(new object[]
        {
            await registry.ListQueuesAsync(), await registry.ListProcessorsAsync(), await registry.ListSocketsAsync(),
        });
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
