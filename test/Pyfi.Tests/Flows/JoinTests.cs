using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Flows;

/// <summary>Joins on a real silo with real Python: values meet only within their run; a join that cannot complete times out.</summary>
public sealed class JoinTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>, IAsyncLifetime
{
    private PyfiCli Cli => fixture.Cli;
    private PyfiClient _client = null!;

    public async Task InitializeAsync() => _client = await fixture.Silo.ConnectAsync();

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task FiftyConcurrentRunsEachJoinTheirOwnTwoValues()
    {
        // root fans out to a and b; a fills position 0 of j, b position 1.
        await Sockets(("root", "noop"), ("a", "do_something"), ("b", "do_this"), ("j", "echo"));
        await Cli.OkAsync("add", "plug", "-n", "root-a", "-s", "root", "-t", "a");
        await Cli.OkAsync("add", "plug", "-n", "root-b", "-s", "root", "-t", "b");
        await Cli.OkAsync("add", "plug", "-n", "a-j", "-s", "a", "-t", "j", "--arg", "0");
        await Cli.OkAsync("add", "plug", "-n", "b-j", "-s", "b", "-t", "j", "--arg", "1");

        var root = _client.Cluster.GetGrain<ISocketGrain>("root");
        var runs = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
            (i, (await root.RunAsync(new CallRequest { Socket = "root", Args = $"[{i}]" }, TimeSpan.Zero)).Id)));

        CallInfo[] joined = [];
        await Poll.UntilAsync(async () =>
        {
            joined = [.. (await Listing().ListAsync(new CallQuery { Socket = "j", Limit = 1000 })).Where(c => runs.Any(r => r.Id == c.Run))];
            return joined.Length >= 50 && joined.All(c => c.State.IsFinal());
        }, TimeSpan.FromSeconds(90), "50 joined calls to end");

        Assert.Equal(50, joined.Length);
        foreach (var (i, run) in runs)
        {
            var call = Assert.Single(joined, c => c.Run == run);
            Assert.Equal(CallState.Succeeded, call.State);
            Assert.Equal("{\"args\":[\"Message: " + i + "\",\"This: " + i + "\"],\"kwargs\":{}}", call.Result);
            Assert.Equal(2, call.Hop);
        }
    }

    [Fact]
    public async Task AJoinMissingAPositionEndsAsAFailedCallNamingItAfterItsTimeout()
    {
        await Sockets(("t0", "noop"), ("ta", "do_something"), ("tb", "fail"), ("tj", "echo"));
        await Cli.OkAsync("update", "socket", "-n", "tb", "--max-attempts", "1");
        await Cli.OkAsync("update", "socket", "-n", "tj", "--join-timeout", "2s");
        await Cli.OkAsync("add", "plug", "-n", "t0-ta", "-s", "t0", "-t", "ta");
        await Cli.OkAsync("add", "plug", "-n", "t0-tb", "-s", "t0", "-t", "tb");
        await Cli.OkAsync("add", "plug", "-n", "ta-tj", "-s", "ta", "-t", "tj", "--arg", "0");
        await Cli.OkAsync("add", "plug", "-n", "tb-tj", "-s", "tb", "-t", "tj", "--arg", "1");
        await Sockets(("tf", "echo"));
        await Cli.OkAsync("add", "plug", "-n", "tj-errors", "-s", "tj", "-t", "tf", "--on", "failure");

        var run = (await _client.Cluster.GetGrain<ISocketGrain>("t0").RunAsync(new CallRequest { Socket = "t0", Args = "[5]" }, TimeSpan.Zero)).Id;

        CallInfo? timedOut = null;
        await Poll.UntilAsync(async () =>
        {
            timedOut = (await Listing().ListAsync(new CallQuery { Run = run, Limit = 100 })).SingleOrDefault(c => c.Socket == "tj");
            return timedOut is not null;
        }, TimeSpan.FromSeconds(60), "the join to time out");

        Assert.Equal(CallState.Failed, timedOut!.State);
        Assert.Equal(0, timedOut.Attempts);
        Assert.Equal("JoinTimeout", timedOut.Error!.Type);
        Assert.StartsWith("the join waited 00:00:02 for position 1 of this run; it had 0 (plug 'ta-tj', call ", timedOut.Error.Message);
        var shown = await Cli.RunAsync(["task", "result", "--id", timedOut.Id.ToString()]);
        Assert.Equal(1, shown.ExitCode);
        Assert.Contains("JoinTimeout", shown.Stderr);

        // A timed-out join is an end like any other: its failure plugs carry it.
        CallInfo? carried = null;
        await Poll.UntilAsync(async () =>
        {
            carried = (await Listing().ListAsync(new CallQuery { Run = run, Limit = 100 })).SingleOrDefault(c => c.Socket == "tf" && c.State.IsFinal());
            return carried is not null;
        }, TimeSpan.FromSeconds(60), "the join's failure to reach its failure plug's target");
        Assert.Equal(timedOut.Id, carried!.Parent);
        Assert.Contains("\"type\":\"JoinTimeout\"", carried.Result);
    }

    private ICallListingGrain Listing() => _client.Cluster.GetGrain<ICallListingGrain>(0);

    private Task Sockets(params (string Name, string Function)[] sockets) => SampleCode.AddSocketsAsync(Cli, sockets);
}
