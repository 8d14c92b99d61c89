using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Flows;

/// <summary>Plugs on a real silo with real Python: chains, fan-out, error plugs, runs, and what the registry refuses.</summary>
public sealed class PlugTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>, IAsyncLifetime
{
    private PyfiCli Cli => fixture.Cli;
    private PyfiClient _client = null!;

    public async Task InitializeAsync() => _client = await fixture.Silo.ConnectAsync();

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task AChainOfThreeSocketsCarriesEachResultToTheNextInOneRun()
    {
        await Sockets(("c1", "do_something"), ("c2", "do_this"), ("c3", "shout"));
        await Cli.OkAsync("add", "plug", "-n", "c1-c2", "-s", "c1", "-t", "c2");
        var added = await Cli.OkAsync("add", "plug", "-n", "c2-c3", "-s", "c2", "-t", "c3");
        Assert.Equal("plug 'c2-c3' added (c2 -> c3)", added.Stdout.Trim());

        var run = await StartAsync("c1", """["hi"]""");
        var calls = await RunAsync(run, 3);

        Assert.Equal(["c1", "c2", "c3"], calls.Select(c => c.Socket));
        Assert.Equal(["\"Message: hi\"", "\"This: Message: hi\"", "\"THIS: MESSAGE: HI\""], calls.Select(c => c.Result));
        Assert.Equal([0, 1, 2], calls.Select(c => c.Hop));
        Assert.All(calls, c => Assert.Equal(run, c.Run));
        Assert.Equal(calls[0].Id, calls[1].Parent);
        Assert.Equal(calls[1].Id, calls[2].Parent);
        Assert.All(calls, c => Assert.True(c.Deliveries.IsEmpty));

        // The call graph of any of its calls draws the run: c1, then c2 under it, then c3 under that.
        var graph = (await Cli.OkAsync("ls", "call", "--id", calls[1].Id.ToString(), "-g")).Stdout;
        Assert.Contains($"run {run} · 3 calls", graph);
        // Looked for as a tree branch "── cN ·" because ids are hex: a run's id may end in "c2" and be followed by " ·".
        Assert.True(graph.IndexOf("── c1 ·", StringComparison.Ordinal) >= 0, graph);
        Assert.True(graph.IndexOf("── c1 ·", StringComparison.Ordinal) < graph.IndexOf("── c2 ·", StringComparison.Ordinal), graph);
        Assert.True(graph.IndexOf("── c2 ·", StringComparison.Ordinal) < graph.IndexOf("── c3 ·", StringComparison.Ordinal), graph);
        var below = (await Cli.OkAsync("ls", "call", "--id", calls[0].Id.ToString(), "-t")).Stdout;
        Assert.Contains("── c3 ·", below);

        // The run as the tool shows it: oldest first, each with the call that made it.
        var shown = JsonDocument.Parse((await Cli.OkAsync("ls", "run", "--id", run.ToString(), "--json")).Stdout).RootElement;
        Assert.Equal(["c1", "c2", "c3"], shown.EnumerateArray().Select(c => c.GetProperty("socket").GetString()));
    }

    [Fact]
    public async Task FanOutMakesACallOnEveryTargetAndArgPutsTheValueInItsPlace()
    {
        await Sockets(("f1", "do_something"), ("f2", "do_this"), ("f3", "echo"));
        await Cli.OkAsync("add", "plug", "-n", "f1-f2", "-s", "f1", "-t", "f2");
        await Cli.OkAsync("add", "plug", "-n", "f1-f3", "-s", "f1", "-t", "f3", "--arg", "2");

        var calls = await RunAsync(await StartAsync("f1", """["x"]"""), 3);

        Assert.Equal("\"This: Message: x\"", calls.Single(c => c.Socket == "f2").Result);
        Assert.Equal("""{"args":[null,null,"Message: x"],"kwargs":{}}""", calls.Single(c => c.Socket == "f3").Result);
    }

    [Fact]
    public async Task AnErrorPlugCarriesTheFailureAsADictAndASuccessPlugDoesNotFire()
    {
        await Sockets(("e1", "fail"), ("e2", "echo"), ("e3", "echo"));
        await Cli.OkAsync("update", "socket", "-n", "e1", "--max-attempts", "1");
        await Cli.OkAsync("add", "plug", "-n", "e1-errors", "-s", "e1", "-t", "e2", "--on", "failure");
        await Cli.OkAsync("add", "plug", "-n", "e1-results", "-s", "e1", "-t", "e3");

        var calls = await RunAsync(await StartAsync("e1", "[7]"), 2);

        Assert.Equal(CallState.Failed, calls[0].State);
        var error = JsonDocument.Parse(calls[1].Result!).RootElement.GetProperty("args")[0];
        Assert.Equal("e2", calls[1].Socket);
        Assert.Equal("ValueError", error.GetProperty("type").GetString());
        Assert.Equal("bad value 7", error.GetProperty("message").GetString());
        Assert.Contains("raise ValueError", error.GetProperty("traceback").GetString());
        Assert.DoesNotContain(await _client.Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Socket = "e3" }), c => c.Run == calls[0].Run);
    }

    [Fact]
    public async Task ACycleIsRefusedWithoutAHopLimitAndEndsAtItsLimitWithOne()
    {
        await Sockets(("y1", "do_this"), ("y2", "do_this"));
        await Cli.OkAsync("add", "plug", "-n", "y1-y2", "-s", "y1", "-t", "y2");
        var refused = await Cli.RunAsync(["add", "plug", "-n", "y2-y1", "-s", "y2", "-t", "y1"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("pyfi: plug 'y2-y1' closes a cycle (y2 -> y1 -> y2, through plugs 'y2-y1', 'y1-y2'); give one of them --max-hops so every run ends", refused.Stderr.Trim());
        Assert.DoesNotContain("y2-y1", (await Cli.OkAsync("ls", "plugs")).Stdout);

        await Cli.OkAsync("add", "plug", "-n", "y2-y1", "-s", "y2", "-t", "y1", "--max-hops", "3");
        var run = await StartAsync("y1", """["go"]""");
        // Hops 0 (y1), 1 (y2), 2 (y1: through y2-y1, within 3), 3 (y2), then y2-y1 would be hop 4: no more.
        var calls = await RunAsync(run, 4);
        Assert.Equal(["y1", "y2", "y1", "y2"], calls.Select(c => c.Socket));
        Assert.Equal("\"This: This: This: This: go\"", calls[3].Result);
    }

    [Fact]
    public async Task PlugsAreListedShownChangedAndDeletedAndASocketInUseIsKept()
    {
        await Sockets(("l1", "noop"), ("l2", "noop"));
        await Cli.OkAsync("add", "plug", "-n", "l1-l2", "-s", "l1", "-t", "l2");

        var listed = JsonDocument.Parse((await Cli.OkAsync("ls", "plugs", "--json")).Stdout).RootElement;
        var plug = listed.EnumerateArray().Single(p => p.GetProperty("spec").GetProperty("name").GetString() == "l1-l2").GetProperty("spec");
        Assert.Equal("l2", plug.GetProperty("target").GetString());

        Assert.Equal("plug 'l1-l2' updated (l1 -> l2 on failure, arg 1)", (await Cli.OkAsync("update", "plug", "-n", "l1-l2", "--on", "failure", "--arg", "1")).Stdout.Trim());
        Assert.Contains("failure", (await Cli.OkAsync("ls", "plug", "-n", "l1-l2")).Stdout);

        var inUse = await Cli.RunAsync(["delete", "socket", "-n", "l2"]);
        Assert.Equal("pyfi: socket 'l2' is used by plug 'l1-l2'; delete or move it first", inUse.Stderr.Trim());

        var unknown = await Cli.RunAsync(["add", "plug", "-n", "l-x", "-s", "l1", "-t", "nowhere"]);
        Assert.Equal("pyfi: socket 'nowhere' does not exist", unknown.Stderr.Trim());

        await Cli.OkAsync("delete", "plug", "-n", "l1-l2");
        await Cli.OkAsync("delete", "socket", "-n", "l2");
        // Without the plug, l1's calls make nothing.
        var run = await StartAsync("l1", "[1]");
        Assert.Single(await RunAsync(run, 1));
    }

    [Fact]
    public async Task AClientCannotClaimARunOrAPlugsKey()
    {
        await Sockets(("k1", "noop"));
        var socket = _client.Cluster.GetGrain<ISocketGrain>("k1");
        var run = await Assert.ThrowsAsync<InvalidSpecException>(() => socket.RunAsync(new CallRequest { Socket = "k1", Run = Guid.NewGuid() }, TimeSpan.Zero));
        Assert.Equal("a call's run and hop are set by the network, not by clients", run.Message);
        var key = await Assert.ThrowsAsync<InvalidSpecException>(() => socket.RunAsync(new CallRequest { Socket = "k1", Key = "plug:x" }, TimeSpan.Zero));
        Assert.Equal("keys starting with 'plug:' are the network's own (calls plugs make)", key.Message);
    }

    [Fact]
    public async Task AFullTargetMakesItsEdgeWaitAsPyfiTopShowsAndDropsNothing()
    {
        await Sockets(("w-src", "noop"));
        await Cli.OkAsync("add", "socket", "-n", "w-dst", "-q", "q", "-pn", "sample", "-t", "held", "-c", "1", "--max-queue", "1");
        await Cli.OkAsync("add", "plug", "-n", "w-src-dst", "-s", "w-src", "-t", "w-dst");
        var gate = Path.Combine(fixture.Scratch.Path, $"gate-{Guid.NewGuid():N}");

        // Each source call carries the gate to a held call: one runs, one waits in the queue, the rest wait on the edge.
        var runs = new List<Guid>();
        for (var i = 0; i < 5; i++) runs.Add(await StartAsync("w-src", JsonSerializer.Serialize(new[] { gate })));

        JsonElement edge = default;
        await Poll.UntilAsync(async () =>
        {
            using var frame = JsonDocument.Parse((await Cli.OkAsync("top", "-n", "1", "--json")).Stdout);
            var source = frame.RootElement.GetProperty("sockets").EnumerateArray().FirstOrDefault(s => s.GetProperty("socket").GetString() == "w-src");
            if (source.ValueKind == JsonValueKind.Undefined || source.GetProperty("waiting").GetArrayLength() == 0) return false;
            edge = source.GetProperty("waiting")[0].Clone();
            return true;
        }, TimeSpan.FromSeconds(60), "pyfi top to show the waiting edge");
        Assert.Equal("w-dst", edge.GetProperty("target").GetString());
        Assert.True(edge.GetProperty("calls").GetInt32() >= 1, edge.ToString());
        Assert.Contains("queue", edge.GetProperty("reason").GetString());

        await File.WriteAllTextAsync(gate, "");
        foreach (var run in runs) Assert.Equal(CallState.Succeeded, (await RunAsync(run, 2))[1].State);
        await Poll.UntilAsync(async () =>
        {
            using var frame = JsonDocument.Parse((await Cli.OkAsync("top", "-n", "1", "--json")).Stdout);
            return frame.RootElement.GetProperty("sockets").EnumerateArray()
                .Where(s => s.GetProperty("socket").GetString() == "w-src").All(s => s.GetProperty("waiting").GetArrayLength() == 0);
        }, TimeSpan.FromSeconds(60), "the waiting edge to clear");
    }

    private Task Sockets(params (string Name, string Function)[] sockets) => SampleCode.AddSocketsAsync(Cli, sockets);

    // Starts a call through the .NET client and returns its run (its own id).
    private async Task<Guid> StartAsync(string socket, string args)
    {
        var call = await _client.Cluster.GetGrain<ISocketGrain>(socket).RunAsync(new CallRequest { Socket = socket, Args = args }, TimeSpan.Zero);
        Assert.Equal(call.Id, call.Run);
        return call.Id;
    }

    // Waits until run `run` has `count` calls, all ended with their deliveries made; returns them oldest first.
    private async Task<CallInfo[]> RunAsync(Guid run, int count)
    {
        CallInfo[] calls = [];
        await Poll.UntilAsync(async () =>
        {
            calls = [.. (await _client.Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Run = run, Limit = 100 })).OrderBy(c => c.Hop).ThenBy(c => c.Created)];
            return calls.Length >= count && calls.All(c => c.State.IsFinal() && c.Deliveries.IsEmpty);
        }, TimeSpan.FromSeconds(60), $"run {run} to have {count} ended calls");
        Assert.Equal(count, calls.Length);
        return calls;
    }
}
