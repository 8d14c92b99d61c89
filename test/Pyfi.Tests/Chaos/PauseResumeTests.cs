using Pyfi.Client;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Chaos;

/// <summary>
/// The seed's hardware-replacement story: a processor pinned to a host no live silo runs on has its calls wait,
/// stored; when a silo on that host starts, they run there. Real silos on PostgreSQL, real Python.
/// </summary>
public sealed class PauseResumeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CallsToASocketNoSiloCanServeWaitAndRunWhenASiloThatCanStarts()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var dataA = new TempDirectory("pyfi-pause");
        using var dataB = new TempDirectory("pyfi-pause");
        using var shared = new TempDirectory("pyfi-pause");
        Dictionary<string, string> Env(string host) => new()
        {
            ["PYFI_STORAGE"] = "postgres", ["PYFI_POSTGRES"] = db.ConnectionString, ["PYFI_CORES"] = "2", ["PYFI_HOSTNAME"] = host,
        };
        await using var alpha = await SiloProcess.StartAsync(dataA.Path, Env("alpha"));
        var cli = alpha.Cli();
        await SampleCode.AddAsync(cli, repository, "--hostname", "beta");
        await cli.OkAsync("add", "socket", "-n", "chaos", "-q", "q", "-pn", "sample", "-t", "append", "-c", "2");
        Assert.Contains("beta", (await cli.OkAsync("ls", "processor", "-n", "sample")).Stdout);
        var ledger = new ChaosLedger("no-host-then-host", "chaos", Path.Combine(shared.Path, "effects.txt"));
        await using var client = await alpha.ConnectAsync();
        await ledger.SubmitAsync(client, 100, 0.001);

        await Task.Delay(TimeSpan.FromSeconds(3));
        var waiting = (await client.Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Socket = "chaos", State = CallState.Queued, Limit = 1000 })).Length;
        var ranEarly = ledger.EffectsSoFar();

        await using var beta = await SiloProcess.StartAsync(dataB.Path, Env("beta"));
        var counts = await ledger.SettleAsync(() => client, TimeSpan.FromSeconds(90));
        counts.Report(output, $"{waiting} waited queued with no silo on host beta, {ranEarly} ran meanwhile");
        var calls = await client.Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Socket = "chaos", Limit = 1000 });

        Assert.Equal(100, waiting);
        Assert.Equal(0, ranEarly);
        Assert.Equal(0, counts.Lost);
        Assert.Equal(100, counts.Succeeded);
        Assert.All(calls, c => Assert.StartsWith("beta:", c.Worker));
    }
}
