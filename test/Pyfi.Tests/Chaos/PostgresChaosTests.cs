using System.Diagnostics;
using Pyfi.Client;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Chaos;

/// <summary>
/// Calls that are never lost on a cluster's storage: two silos on PostgreSQL with one killed mid-load, and the
/// PostgreSQL server itself stopped (as a crash) and started again mid-load. Real silo processes, real Python.
/// </summary>
public sealed class PostgresChaosTests(ITestOutputHelper output)
{
    // This test once stalled about one run in three: the surviving silo took nothing up after the other was
    // declared dead. The cause was the sweeper remembering a finished sweep as running (a query that completes
    // synchronously ended the sweep before it was remembered), so the sweep on the silo's loss did nothing;
    // RetentionTests.EverySweepRunsNotOnlyTheFirst holds that down.
    [Fact]
    public async Task WithTwoSilosOnPostgresOneKilledMidLoadTheOtherFinishesEveryCall()
    {
        await using var network = await PostgresNetwork.CreateAsync("chaos");
        using var shared = new TempDirectory("pyfi-chaos");
        var a = await network.StartSiloAsync();
        var b = await network.StartSiloAsync();
        var dataB = network.DataOf(b);
        var cli = await network.AddSampleAsync(a);
        await cli.OkAsync("add", "socket", "-n", "chaos", "-q", "q", "-pn", "sample", "-t", "append", "-c", "4", "--max-attempts", "5", "--backoff", "100ms");
        var ledger = new ChaosLedger("silo-kill-of-two", "chaos", Path.Combine(shared.Path, "effects.txt"));
        await using var client = await a.ConnectAsync();
        await ledger.SubmitAsync(client, 1000, 0.01);

        await Poll.UntilAsync(() => ledger.EffectsSoFar() >= 200 && PythonProcesses.Of(dataB).Count > 0, TimeSpan.FromSeconds(60), "200 calls to run, with slots on the silo to kill");
        var before = ledger.EffectsSoFar();
        var ranOnB = PythonProcesses.Of(dataB).Count > 0;
        await b.KillAsync();
        var counts = await ledger.SettleAsync(() => client, TimeSpan.FromSeconds(150));
        counts.Report(output, $"{before} had run when one silo was killed; the killed silo had {(ranOnB ? "" : "no ")}workers");
        if (counts.Lost > 0) output.WriteLine($"--- surviving silo's log\n{a.Output[^Math.Min(a.Output.Length, 20000)..]}");

        Assert.True(ranOnB, "the killed silo ran none of the calls: the run did not exercise a silo's loss");
        Assert.Equal(0, counts.Lost);
        Assert.Equal(1000, counts.Succeeded);
        Assert.Equal(0, counts.SucceededWithoutEffect);
        // Attempts cut off by the loss run again (at-least-once execution, one end). In flight at the kill: two
        // calls per slot on four slots; measured up to 11 (see the closing note of issue 4): a regression that
        // re-ran calls wholesale would show hundreds.
        Assert.InRange(counts.Duplicated, 0, 30);
    }

    [Fact]
    public async Task PostgresStoppedAndStartedMidLoadLosesNoAcknowledgedCall()
    {
        await using var server = await PrivatePostgresServer.StartAsync();
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-chaos");
        var env = new Dictionary<string, string> { ["PYFI_STORAGE"] = "postgres", ["PYFI_POSTGRES"] = server.ConnectionString, ["PYFI_CORES"] = "2" };
        await using var silo = await SiloProcess.StartAsync(data.Path, env);
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "chaos", "-q", "q", "-pn", "sample", "-t", "append", "-c", "2", "--max-attempts", "10", "--backoff", "100ms");
        await cli.OkAsync("task", "run", "-s", "chaos", "-d", $"['{Path.Combine(data.Path, "warm.txt")}', 'warm']");
        var ledger = new ChaosLedger("postgres-restart", "chaos", Path.Combine(data.Path, "effects.txt"));
        await using var client = await silo.ConnectAsync();

        // Submissions go on through the outage, retried by this client while they are refused.
        var refusals = new List<string>();
        var submitting = ledger.SubmitRetryingAsync(client, 600, 0.01, refusals, TimeSpan.FromMilliseconds(60));
        await Poll.UntilAsync(() => ledger.EffectsSoFar() >= 100, TimeSpan.FromSeconds(60), "100 calls to run");
        var clock = Stopwatch.StartNew();
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await server.StartAgainAsync();
        var outage = clock.Elapsed;
        await submitting;
        var counts = await ledger.SettleAsync(() => client, TimeSpan.FromSeconds(150));
        counts.Report(output, $"PostgreSQL down {outage.TotalSeconds:0.0} s; {refusals.Count} submissions refused meanwhile and retried" +
            (refusals.Count > 0 ? $", e.g. \"{refusals[0]}\"" : ""));

        Assert.Equal(600, counts.Submitted);
        Assert.Equal(0, counts.Lost);
        Assert.Equal(600, counts.Succeeded);
        Assert.Equal(0, counts.SucceededWithoutEffect);
        Assert.All(refusals, r => Assert.Contains("database is unavailable", r));
    }
}
