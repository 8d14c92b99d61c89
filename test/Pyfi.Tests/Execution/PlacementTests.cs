using System.Text.Json;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Storage;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// The per-core placement director with real silo processes and real Python: one executing slot per core on
/// each silo, never more than a socket's concurrency, spread over silos, and cores given back when idle.
/// </summary>
public sealed class PlacementTests
{
    [Fact]
    public async Task ASocketAskingForFiveRunsTwoAtOnceOnATwoCoreSiloAndQueuesTheRest()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-place");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        await using var client = await silo.ConnectAsync();
        await DefineAsync(client, repository, ("wide", 5), ("other", 5));
        // Deployed and warm first; then idle until every core is free again.
        await RunAsync(client, "wide", 0);
        await RunAsync(client, "other", 0);
        await CoresBusyAsync(client, 0);

        // The other socket's call comes once the first socket's calls hold both cores.
        var wide = Enumerable.Range(0, 6).Select(_ => RunAsync(client, "wide", 1.0)).ToList();
        await CoresBusyAsync(client, 2);
        var other = RunAsync(client, "other", 0.1);
        var windows = await Task.WhenAll(wide);
        var otherWindow = await other;

        Assert.Equal(2, MaxOverlap(windows));
        Assert.True(otherWindow.Start >= windows.Min(w => w.End) - 0.05,
            "the other socket's call waited for a core: both were taken by the first socket's calls");
        Assert.Equal(3, MaxOverlap([.. windows, otherWindow]) + 1);
    }

    [Fact]
    public async Task WithTwoSilosASocketUsesBothAndEachRunsAtMostItsCores()
    {
        await using var db = await StorageBackend.CreateAsync(StorageProvider.Postgres);
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var dataA = new TempDirectory("pyfi-place");
        using var dataB = new TempDirectory("pyfi-place");
        var env = new Dictionary<string, string>
        {
            ["PYFI_STORAGE"] = "postgres", ["PYFI_POSTGRES"] = db.Database.ConnectionString, ["PYFI_CORES"] = "2",
        };
        await using var a = await SiloProcess.StartAsync(dataA.Path, env);
        await using var b = await SiloProcess.StartAsync(dataB.Path, env);
        await using var client = await a.ConnectAsync();
        await DefineAsync(client, repository, ("wide", 5));
        // Four at once puts a slot on each silo, so both have the code ready before anything is measured.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RunAsync(client, "wide", 0.5)));

        var windows = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => RunAsync(client, "wide", 1.5)));

        Assert.Equal(4, MaxOverlap(windows));
        var bySilo = windows.GroupBy(w => w.SiloPort).ToList();
        Assert.Equal(new[] { a.SiloPort, b.SiloPort }.Order(), bySilo.Select(g => g.Key).Order());
        Assert.All(bySilo, silo => Assert.True(MaxOverlap([.. silo]) <= 2, $"silo {silo.Key} ran {MaxOverlap([.. silo])} at once"));
    }

    private static async Task DefineAsync(PyfiClient client, GitRepository repository, params (string Name, int Concurrency)[] sockets)
    {
        await client.Registry.AddQueueAsync(new QueueSpec { Name = "q" });
        await client.Registry.AddProcessorAsync(new ProcessorSpec { Name = "sample", Repository = repository.Path, Module = SampleCode.Module });
        foreach (var (name, concurrency) in sockets)
        {
            await client.Registry.AddSocketAsync(new SocketSpec { Name = name, Queue = "q", Processor = "sample", Function = "window", Concurrency = concurrency });
        }
    }

    // Waits until the ledger says the silos' workers hold `busy` cores in all.
    private static Task CoresBusyAsync(PyfiClient client, int busy) =>
        Poll.UntilAsync(async () => (await client.Cluster.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync()).Sum(a => a.CoresBusy) == busy,
            TimeSpan.FromSeconds(30), $"{busy} cores to be held");

    private static async Task<Window> RunAsync(PyfiClient client, string socket, double seconds)
    {
        var started = await PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = socket, Args = $"[{seconds}]" }, PyfiCall.Slice, client.Retry);
        var call = await started.WaitAsync();
        Assert.True(call.State == CallState.Succeeded, $"{socket}: {call.State} {call.Error}");
        var result = JsonDocument.Parse(call.Result!).RootElement;
        // Worker is host:siloPort/pid.
        var siloPort = int.Parse(call.Worker!.Split('/')[0].Split(':')[^1]);
        return new Window(result.GetProperty("start").GetDouble(), result.GetProperty("end").GetDouble(), siloPort);
    }

    // The most calls that were running at the same instant.
    private static int MaxOverlap(IReadOnlyCollection<Window> windows) =>
        windows.SelectMany(w => new[] { (At: w.Start, Delta: 1), (At: w.End, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta)
            .Aggregate((Running: 0, Max: 0), (acc, e) => (acc.Running + e.Delta, Math.Max(acc.Max, acc.Running + e.Delta))).Max;

    private sealed record Window(double Start, double End, int SiloPort);
}
