using System.Text.Json;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// The per-core director spreads a socket's slots over the silos by free cores, and the ledger shows where
/// (<c>pyfi ls workers</c> reads the same report). The calls and looks go through one .NET client: a <c>pyfi</c>
/// process per submission and per look cost minutes of a busy host's CPU.
/// </summary>
public sealed class ClusterSpreadTests
{
    [Fact]
    public async Task ASocketOfFourOnTwoSilosOfTwoCoresRunsFourCallsAtOnceTwoPerSilo()
    {
        await using var network = await PostgresNetwork.CreateAsync("spread");
        var a = await network.StartSiloAsync();
        var b = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);
        await cli.OkAsync("add", "socket", "-n", "wide", "-q", "q", "-pn", "sample", "-t", "held", "-c", "4");
        await using var client = await network.ConnectAsync(a);
        using var gates = new TempDirectory("pyfi-spread-gates");
        var (open, openData) = Gate(gates, "open");
        File.WriteAllText(open, "");

        // Both silos build the processor's environment first (each its own venv), so the measured calls start
        // together: rounds of calls (through an open gate) until each silo has run some.
        for (var round = 0; round < 5 && !(HasEnvironment(network.DataOf(a)) && HasEnvironment(network.DataOf(b))); round++)
        {
            var warm = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => StartAsync(client, openData)));
            foreach (var call in warm) await call.WaitAsync(TimeSpan.FromMinutes(2));
        }

        // Four calls held until the test has seen them all running: however slow the machine, they overlap.
        var (gate, gateData) = Gate(gates, "measured");
        var calls = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => StartAsync(client, gateData)));
        WorkerInfo[] workers = [];
        await Poll.UntilAsync(async () =>
        {
            workers = await RunningAsync(client);
            return workers.Length == 4;
        }, TimeSpan.FromSeconds(90), "four workers of wide to be reported running");
        File.WriteAllText(gate, "");

        // Two per silo, as the cores are; and the calls did overlap: four at once, not two after two.
        Assert.Equal([2, 2], workers.GroupBy(w => w.Silo).Select(g => g.Count()));
        var windows = new List<(double Start, double End)>();
        foreach (var call in calls)
        {
            var ended = await call.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(CallState.Succeeded, ended.State);
            using var result = JsonDocument.Parse(ended.Result!);
            windows.Add((result.RootElement.GetProperty("start").GetDouble(), result.RootElement.GetProperty("end").GetDouble()));
        }

        var latestStart = windows.Max(w => w.Start);
        Assert.True(windows.All(w => w.End > latestStart), "the four calls did not all run at the same time");
    }

    [Fact]
    public async Task ASiloThatJoinsMidBacklogTakesSlotsAndRunsCalls()
    {
        await using var network = await PostgresNetwork.CreateAsync("join");
        using var gates = new TempDirectory("pyfi-join-gates");
        var a = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);
        await cli.OkAsync("add", "socket", "-n", "wide", "-q", "q", "-pn", "sample", "-t", "held", "-c", "4");
        await using var client = await network.ConnectAsync(a);
        var open = Gate(gates, "open");
        File.WriteAllText(open.Path, "");
        await (await StartAsync(client, open.Data)).WaitAsync(TimeSpan.FromMinutes(2));

        // A backlog of calls that run until the test lets them end, for a socket that asks for 4 slots, on a cluster
        // of 2 cores: the first silo alone runs two of them for as long as the second takes to start and build its
        // environment.
        var gate = Gate(gates, "backlog");
        var calls = new List<PyfiCall>();
        for (var i = 0; i < 12; i++) calls.Add(await StartAsync(client, gate.Data));
        await Poll.UntilAsync(async () => (await RunningAsync(client)).Length == 2, TimeSpan.FromSeconds(30), "the first silo's two slots to run");

        var b = await network.StartSiloAsync();
        WorkerInfo[] workers = [];
        await Poll.UntilAsync(async () =>
        {
            workers = await RunningAsync(client);
            return workers.Length == 4;
        }, TimeSpan.FromSeconds(60), "four workers of wide running once the second silo joined");

        File.WriteAllText(gate.Path, "");
        var ended = new List<CallInfo>();
        foreach (var call in calls) ended.Add(await call.WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Equal([2, 2], workers.GroupBy(w => w.Silo).Select(g => g.Count()));
        Assert.All(ended, c => Assert.Equal(CallState.Succeeded, c.State));
        var onB = ended.Count(c => c.Worker!.Contains($":{b.SiloPort}/", StringComparison.Ordinal));
        var onA = ended.Count(c => c.Worker!.Contains($":{a.SiloPort}/", StringComparison.Ordinal));
        Assert.True(onB >= 2, $"the silo that joined ran {onB} of 12 calls");
        Assert.Equal(12, onA + onB);
        // Slots waiting for a core ask the ledger instead of being sent to placement to be refused there (Orleans
        // logs each refused placement as an error, with a stack trace). Before, each waiting slot was refused twice
        // a second (dozens here); one seen in about one run in five is a race not yet understood (see the note).
        var refused = a.Output.Split('\n').Where(l => l.Contains("Failed to address message", StringComparison.Ordinal)).ToList();
        Assert.True(refused.Count <= 2, $"{refused.Count} placements refused; the first: {refused.FirstOrDefault()}");
    }

    // A call of the socket `wide` waiting for the file its data names, stored before this returns.
    private static Task<PyfiCall> StartAsync(PyfiClient client, string data) =>
        PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = "wide", Args = $"[{data}]" }, TimeSpan.Zero, client.Retry);

    // wide's workers running a call, as the silos last reported them (what `pyfi ls workers -s wide` lists).
    private static async Task<WorkerInfo[]> RunningAsync(PyfiClient client) =>
        [.. (await client.Cluster.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync())
            .SelectMany(agent => agent.Workers)
            .Where(w => w.Socket == "wide" && w.Running >= 1)];

    // A file the held calls wait for, and the call's data naming it (a JSON string).
    private static (string Path, string Data) Gate(TempDirectory folder, string name) => (folder.File(name), JsonSerializer.Serialize(folder.File(name)));

    private static bool HasEnvironment(string data) =>
        Directory.Exists(Path.Combine(data, "venv")) && Directory.EnumerateDirectories(Path.Combine(data, "venv")).Any();
}
