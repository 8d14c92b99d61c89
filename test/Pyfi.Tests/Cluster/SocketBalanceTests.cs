using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// Sockets spread over the silos as they are made (not all onto the silo that looked least loaded at that instant),
/// and a busy socket moves to a silo that joins, with every call it was given run once and ended.
/// Where each socket is comes from the silos' reports to the ledger (<c>SocketMetrics.Active</c>).
/// </summary>
public sealed class SocketBalanceTests
{
    [Fact]
    public async Task SixSocketsMadeTogetherOnTwoSilosGoThreeToEach()
    {
        await using var network = await PostgresNetwork.CreateAsync("spreadsockets");
        var a = await network.StartSiloAsync();
        var b = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);
        var names = Enumerable.Range(0, 6).Select(i => $"s{i}").ToList();
        foreach (var name in names) await cli.OkAsync("add", "socket", "-n", name, "-q", "q", "-pn", "sample", "-t", "noop", "-c", "1");
        await using var client = await network.ConnectAsync(a);

        // One call each, all at once: each socket is activated (placed) as its first call arrives.
        var calls = await Task.WhenAll(names.Select(name => StartAsync(client, name)));
        foreach (var call in calls) Assert.Equal(CallState.Succeeded, (await call.WaitAsync(TimeSpan.FromMinutes(2))).State);

        Dictionary<string, string> where = [];
        await Poll.UntilAsync(async () =>
        {
            where = await WhereAsync(client);
            return names.All(where.ContainsKey);
        }, TimeSpan.FromSeconds(30), "the silos to report all six sockets");

        Assert.Equal([3, 3], names.GroupBy(n => where[n]).Select(g => g.Count()).OrderBy(c => c));
        Assert.Equal(2, names.Select(n => where[n]).Distinct().Count());
        Assert.Contains(where.Values, s => s.Contains($":{a.SiloPort}:", StringComparison.Ordinal));
        Assert.Contains(where.Values, s => s.Contains($":{b.SiloPort}:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABusySocketMovesToASiloThatJoinsAndEveryCallRunsOnce()
    {
        await using var network = await PostgresNetwork.CreateAsync("movesockets");
        var a = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);
        string[] names = ["busy1", "busy2"];
        foreach (var name in names) await cli.OkAsync("add", "socket", "-n", name, "-q", "q", "-pn", "sample", "-t", "noop", "-c", "2");
        await using var client = await network.ConnectAsync(a);

        // A steady load on both sockets (a few calls in flight each, another as each ends) from now until the end.
        using var stop = new CancellationTokenSource();
        var submitted = new System.Collections.Concurrent.ConcurrentBag<PyfiCall>();
        var loops = names.SelectMany(name => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var call = await StartAsync(client, name);
                submitted.Add(call);
                await call.WaitAsync(TimeSpan.FromMinutes(2));
            }
        }))).ToList();

        await Poll.UntilAsync(async () => (await WhereAsync(client)).Count == 2, TimeSpan.FromSeconds(60), "both sockets to be reported on the first silo");
        var b = await network.StartSiloAsync();

        // The ledger looks every 10 s; a move waits for the calls out, then the socket migrates.
        Dictionary<string, string> where = [];
        await Poll.UntilAsync(async () =>
        {
            where = await WhereAsync(client);
            return where.Values.Any(s => s.Contains($":{b.SiloPort}:", StringComparison.Ordinal))
                && where.Values.Any(s => s.Contains($":{a.SiloPort}:", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(90), "one of the busy sockets to move to the silo that joined");

        // It goes on taking calls there.
        var moved = where.Single(w => w.Value.Contains($":{b.SiloPort}:", StringComparison.Ordinal)).Key;
        var after = submitted.Count;
        await Poll.UntilAsync(() => Task.FromResult(submitted.Count >= after + 20), TimeSpan.FromSeconds(60), "calls to go on after the move");
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        // Every call submitted ended succeeded, and was run once (its attempt 1: a move loses or repeats nothing).
        var ended = new List<CallInfo>();
        foreach (var call in submitted) ended.Add(await call.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.All(ended, c => Assert.Equal(CallState.Succeeded, c.State));
        Assert.All(ended, c => Assert.Equal(1, c.Attempts));
        Assert.Equal(ended.Count, ended.Select(c => c.Id).Distinct().Count());
        Assert.Contains(ended, c => c.Socket == moved);
        Assert.Contains("Moving socket", a.Output + b.Output, StringComparison.Ordinal);
    }

    private static Task<PyfiCall> StartAsync(PyfiClient client, string socket) =>
        PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = socket, Args = "[1]" }, TimeSpan.Zero, client.Retry);

    // Each socket's silo, as the silos last reported where their sockets are active.
    private static async Task<Dictionary<string, string>> WhereAsync(PyfiClient client)
    {
        var agents = await client.Cluster.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync();
        return agents.SelectMany(a => a.Sockets.Where(s => s.Active).Select(s => (s.Socket, a.Silo)))
            .GroupBy(p => p.Socket).ToDictionary(g => g.Key, g => g.First().Silo);
    }
}
