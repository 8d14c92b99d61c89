using Microsoft.Extensions.Time.Testing;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Tests.Chaos;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// A partitioned socket (<c>--partitions N</c>): its partitions are activations of their own on different silos, its
/// calls spread over them, every call is found by id from any silo, and through a silo joining and one killed every
/// call ends once (the chaos ledger counts them from storage and from the side effects the function leaves).
/// </summary>
public sealed class PartitionedSocketTests(ITestOutputHelper output)
{
    [Fact]
    public async Task APartitionedSocketKeepsEveryCallOnceThroughASiloJoiningAndOneKilled()
    {
        await using var network = await PostgresNetwork.CreateAsync("partitions");
        using var shared = new TempDirectory("pyfi-partitions");
        var a = await network.StartSiloAsync();
        var b = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);
        await cli.OkAsync("add", "socket", "-n", "parts", "-q", "q", "-pn", "sample", "-t", "append", "-c", "4", "--partitions", "4", "--max-attempts", "5", "--backoff", "100ms");
        await using var client = await network.ConnectAsync(a);

        // Made together, the partitions go apart: two on each silo.
        var where = await PartitionsAsync(client, "parts", 4);
        Assert.Equal(2, where.Values.Count(s => s.Contains($":{a.SiloPort}:", StringComparison.Ordinal)));
        Assert.Equal(2, where.Values.Count(s => s.Contains($":{b.SiloPort}:", StringComparison.Ordinal)));

        var ledger = new ChaosLedger("partitioned-join-and-kill", "parts", Path.Combine(shared.Path, "effects.txt"));
        var submitting = ledger.SubmitAsync(client, 1000, 0.04, parallel: 20);
        await Poll.UntilAsync(() => ledger.EffectsSoFar() >= 150, TimeSpan.FromSeconds(90), "150 calls to run");
        var before = ledger.EffectsSoFar();
        await b.KillAsync();
        Assert.True(before < 900, $"{before} of 1000 calls had run before the kill: the run did not exercise a silo's loss mid-load");
        await submitting;

        // A silo joins while the rest run, and more calls come: the partitions that were on the killed silo come back
        // where the ledger places them (the new silo is the empty one).
        var c = await network.StartSiloAsync();
        await ledger.SubmitAsync(client, 300, 0.01, parallel: 20, first: 1000);
        var counts = await ledger.SettleAsync(() => client, TimeSpan.FromSeconds(180));
        counts.Report(output, $"4 partitions on 2 silos, one killed with {before} run, a third joined");

        Assert.Equal(1300, counts.Submitted);
        Assert.Equal(0, counts.Lost);
        Assert.Equal(1300, counts.Succeeded);
        Assert.Equal(0, counts.SucceededWithoutEffect);
        // At-least-once execution, one end: the attempts cut off by the kill run again (a few per slot in flight).
        Assert.InRange(counts.Duplicated, 0, 30);

        // Every partition took calls, and each call's id names the partition that stored it.
        var partitions = ledger.Submitted.Select(SocketPartitions.Of).ToList();
        Assert.Equal([0, 1, 2, 3], partitions.Distinct().Order());
        Assert.All(partitions.GroupBy(p => p), g => Assert.InRange(g.Count(), 200, 450));

        // Any call, asked by id through a silo that joined later, is answered from its partition.
        await using var other = await network.ConnectAsync(c);
        foreach (var id in ledger.Submitted.Take(100))
        {
            var call = await new PyfiCall(other.Cluster, id, other.Retry).InfoAsync();
            Assert.Equal(CallState.Succeeded, call.State);
            Assert.Equal("parts", call.Socket);
        }

        // The partitions on the killed silo came back elsewhere (those with calls to take up; an idle one activates
        // at its next call); ls shows each where it is.
        var after = await client.Cluster.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey).GetSocketAsync("parts");
        Assert.Equal(4, after.Partitions!.Length);
        Assert.DoesNotContain(after.Partitions, p => p.Silo is { } s && s.Contains($":{b.SiloPort}:", StringComparison.Ordinal));
        var shown = (await network.Cli(a).OkAsync("ls", "socket", "-n", "parts")).Stdout;
        foreach (var key in new[] { "parts:", "parts@1:", "parts@2:", "parts@3:" }) Assert.Contains(key, shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PartitionsAreCheckedGrowOnlyAndAQueryBySocketSeesThemAll()
    {
        await using var network = await PostgresNetwork.CreateAsync("partitionrules");
        var a = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);

        var tooMany = await cli.RunAsync(["add", "socket", "-n", "p", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "2", "--partitions", "3"]);
        Assert.NotEqual(0, tooMany.ExitCode);
        Assert.Contains("3 partitions need a concurrency of at least 3", tooMany.Stderr, StringComparison.Ordinal);
        // Not a number or auto: a usage error before anything is sent.
        foreach (var bad in new[] { "many", "-1", "0", "99999999999" })
        {
            var malformed = await cli.RunAsync(["add", "socket", "-n", "p", "-q", "q", "-pn", "sample", "-t", "noop", "--partitions", bad]);
            Assert.Equal(2, malformed.ExitCode);
            Assert.Contains($"--partitions must be a number of partitions or auto, not '{bad}'", malformed.Stderr, StringComparison.Ordinal);
        }

        var outOfRange = await cli.RunAsync(["add", "socket", "-n", "p", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "100", "--partitions", "65"]);
        Assert.Contains($"partitions must be between 1 and {SocketPartitions.Max}", outOfRange.Stderr, StringComparison.Ordinal);

        await cli.OkAsync("add", "socket", "-n", "p", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "4");
        await using var client = await network.ConnectAsync(a);
        var early = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => StartAsync(client, "p")));
        // A submission whose key goes to another partition once the socket has grown (stored in partition 0 now).
        var key = Enumerable.Range(0, 100).Select(i => $"resent-{i}").First(k => SocketPartitions.ForKey(k, 3) != 0);
        var keyed = await PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = "p", Args = "[1]", Key = key }, client.Retry);

        // A client's routes learn the count in the background: the first submission goes to the socket's own grain.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var routes = new SocketRoutes(clock);
        Assert.Equal("p", routes.For(client.Cluster, new CallRequest { Socket = "p", Args = "[1]", Key = key }).GetPrimaryKeyString());
        await Poll.UntilAsync(() => routes.PartitionsOf("p") == 1, TimeSpan.FromSeconds(30), "the routes to learn p's one partition");
        // An unknown socket is never remembered as routed; its submission is refused as before.
        await Assert.ThrowsAsync<NotFoundException>(() => PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = "nope", Args = "[1]" }, TimeSpan.Zero, client.Retry, routes));
        Assert.Null(routes.PartitionsOf("nope"));

        // Grown to three: new calls spread over three, the earlier ones are still found (partition 0).
        await cli.OkAsync("update", "socket", "-n", "p", "--partitions", "3");
        var shrink = await cli.RunAsync(["update", "socket", "-n", "p", "--partitions", "2"]);
        Assert.NotEqual(0, shrink.ExitCode);
        Assert.Contains("partitions can be added, not taken away", shrink.Stderr, StringComparison.Ordinal);
        var later = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => StartAsync(client, "p")));
        // Sent again after the growth, it finds its first call in partition 0: one call, not two.
        var again = await PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = "p", Args = "[1]", Key = key }, client.Retry);
        Assert.Equal(keyed.Id, again.Id);
        early = [.. early, keyed];

        // The routes keep the count they know until it is due again (a count behind sends to partition 0, which passes
        // submissions on), then send each submission straight to the partition its key goes to.
        Assert.Equal(1, routes.PartitionsOf("p"));
        clock.Advance(SocketRoutes.Refresh);
        Assert.Equal("p", routes.For(client.Cluster, new CallRequest { Socket = "p", Args = "[1]", Key = key }).GetPrimaryKeyString());
        await Poll.UntilAsync(() => routes.PartitionsOf("p") == 3, TimeSpan.FromSeconds(30), "the routes to learn p's three partitions");
        var direct = Enumerable.Range(0, 30).Select(i => new CallRequest { Socket = "p", Args = "[1]", Key = $"direct-{i}" }).ToList();
        Assert.All(direct, r => Assert.Equal(SocketPartitions.Key("p", SocketPartitions.ForKey(r.Key!, 3)), routes.For(client.Cluster, r).GetPrimaryKeyString()));
        var routed = await Task.WhenAll(direct.Select(r => PyfiCall.StartAsync(client.Cluster, r, TimeSpan.Zero, client.Retry, routes)));
        Assert.Equal(direct.Select(r => SocketPartitions.ForKey(r.Key!, 3)), routed.Select(c => SocketPartitions.Of(c.Id)));
        // The key sent again through the routes (straight to the partition its key goes to now) is still its first call.
        Assert.Equal(keyed.Id, (await PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = "p", Args = "[1]", Key = key }, TimeSpan.Zero, client.Retry, routes)).Id);
        later = [.. later, .. routed];
        Assert.Equal([0, 1, 2], later.Select(c => SocketPartitions.Of(c.Id)).Distinct().Order());

        var all = early.Concat(later).ToList();
        foreach (var call in all) Assert.Equal(CallState.Succeeded, (await call.WaitAsync(TimeSpan.FromMinutes(1))).State);
        var listed = await client.Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Socket = "p", Limit = 1000 });
        Assert.Equal(all.Select(c => c.Id).Order(), listed.Select(c => c.Id).Order());

        // A partition's key is not a socket a caller can name, and a partition past the socket's count has no definition.
        var named = await cli.RunAsync(["task", "run", "-s", "p@1", "-d", "[1]"]);
        Assert.NotEqual(0, named.ExitCode);
        await Assert.ThrowsAsync<NotFoundException>(() => client.Cluster.GetGrain<ISocketGrain>("p@7").RunAsync(new CallRequest { Socket = "p", Args = "[1]" }, TimeSpan.Zero));
        // The count a client routes by: any partition of the socket says it; an unknown socket, a key past the count, a
        // malformed partition key or a name no socket may have is an unknown socket, and none of them becomes one.
        Assert.Equal(3, await client.Cluster.GetGrain<ISocketGrain>("p").GetPartitionsAsync());
        Assert.Equal(3, await client.Cluster.GetGrain<ISocketGrain>("p@2").GetPartitionsAsync());
        foreach (var hostile in new[] { "nope", "p@7", "p@01", "p@-1", "p@", new string('x', 5000), "p\n@1" })
        {
            var refused = await Assert.ThrowsAsync<NotFoundException>(() => client.Cluster.GetGrain<ISocketGrain>(hostile).GetPartitionsAsync());
            Assert.StartsWith("socket '", refused.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain((await client.Registry.ListSocketsAsync()).Select(s => s.Spec.Name), n => n.Contains('@', StringComparison.Ordinal) || n == "nope");

        // Auto: one partition per silo offering cores, growing as one joins; a number cannot replace it, nor it a number.
        await cli.OkAsync("add", "socket", "-n", "au", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "4", "--partitions", "auto");
        Assert.Contains("its partitions are auto", (await cli.RunAsync(["update", "socket", "-n", "au", "--partitions", "3"])).Stderr, StringComparison.Ordinal);
        Assert.Contains("only a socket with one can become auto", (await cli.RunAsync(["update", "socket", "-n", "p", "--partitions", "auto"])).Stderr, StringComparison.Ordinal);
        Assert.Equal(0, SocketPartitions.Of((await StartAsync(client, "au")).Id));
        var b = await network.StartSiloAsync();
        var where = await PartitionsAsync(client, "au", 2);
        Assert.Contains(where.Values, s => s.Contains($":{b.SiloPort}:", StringComparison.Ordinal));
        var spread = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => StartAsync(client, "au")));
        Assert.Equal([0, 1], spread.Select(c => SocketPartitions.Of(c.Id)).Distinct().Order());
        foreach (var call in spread) Assert.Equal(CallState.Succeeded, (await call.WaitAsync(TimeSpan.FromMinutes(1))).State);
        Assert.Contains("au@1:", (await cli.OkAsync("ls", "socket", "-n", "au")).Stdout, StringComparison.Ordinal);
    }

    private static Task<PyfiCall> StartAsync(PyfiClient client, string socket) =>
        PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = socket, Args = "[1]" }, TimeSpan.Zero, client.Retry);

    // Each partition's silo as `pyfi ls socket -n` gets it (the registry asks the ledger), once all are active.
    private static async Task<Dictionary<int, string>> PartitionsAsync(PyfiClient client, string socket, int count)
    {
        Dictionary<int, string> where = [];
        await Poll.UntilAsync(async () =>
        {
            var info = await client.Cluster.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey).GetSocketAsync(socket);
            where = (info.Partitions ?? []).Where(p => p.Silo is not null).ToDictionary(p => p.Partition, p => p.Silo!);
            return where.Count == count;
        }, TimeSpan.FromSeconds(60), $"the {count} partitions of {socket} to be reported active");
        return where;
    }
}
