using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Chaos;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// Three silos on loopback and PostgreSQL, started by deploy/local-cluster.sh: calls spread over all three,
/// then one silo stops gracefully and another is killed mid-load, and every call still finishes.
/// </summary>
public sealed class ThreeSiloClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CallsSpreadOverThreeSilosAndAllFinishWhenOneStopsAndOneIsKilled()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var folder = new TempDirectory("pyfi-three");
        await using var cluster = await LocalCluster.StartAsync(3, folder.Path, db.ConnectionString);
        var cli = cluster.Cli(cluster.Silos[0]);
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "chaos", "-q", "q", "-pn", "sample", "-t", "append", "-c", "6", "--max-attempts", "5", "--backoff", "100ms");
        var agents = JsonDocument.Parse((await cli.OkAsync("ls", "agents", "--json")).Stdout).RootElement;
        Assert.Equal(3, agents.GetArrayLength());

        var ledger = new ChaosLedger("cluster-of-three", "chaos", Path.Combine(folder.Path, "effects.txt"));
        await using var client = await cluster.ConnectAsync(cluster.Silos[0]);
        // 50 ms each on six slots: about eight seconds of calls, so the stop and the kill come mid-load.
        await ledger.SubmitAsync(client, 900, 0.05);
        HashSet<string> silos = [];
        await Poll.UntilAsync(async () =>
        {
            var workers = JsonDocument.Parse((await cli.OkAsync("ls", "workers", "-s", "chaos", "--json")).Stdout).RootElement;
            foreach (var w in workers.EnumerateArray()) silos.Add(w.GetProperty("silo").GetString()!);
            return silos.Count == 3;
        }, TimeSpan.FromSeconds(60), "workers of the socket on all three silos");

        var before = ledger.EffectsSoFar();
        await cluster.Silos[1].StopAsync();
        await cluster.Silos[2].KillAsync();
        var counts = await ledger.SettleAsync(() => client, TimeSpan.FromSeconds(150));
        counts.Report(output, $"3 silos, workers seen on {silos.Count}; {before} had run when silo 2 was stopped and silo 3 killed");

        Assert.True(before < 900, "every call had run before the silos went away: the run did not exercise their loss");
        Assert.Equal(0, counts.Lost);
        Assert.Equal(900, counts.Succeeded);
        Assert.Equal(0, counts.SucceededWithoutEffect);
        Assert.InRange(counts.Duplicated, 0, 30);
        Assert.Contains("Pyfi silo ready", File.ReadAllText(cluster.Silos[1].Log));
    }
}
