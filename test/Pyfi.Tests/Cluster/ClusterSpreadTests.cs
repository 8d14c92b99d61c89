using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>The per-core director spreads a socket's slots over the silos by free cores, and <c>pyfi ls workers</c> shows where.</summary>
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
        using var gates = new TempDirectory("pyfi-spread-gates");
        var (open, openData) = Gate(gates, "open");
        File.WriteAllText(open, "");

        // Both silos build the processor's environment first (each its own venv), so the measured calls start
        // together: rounds of calls (through an open gate) until each silo has run some.
        for (var round = 0; round < 5 && !(HasEnvironment(network.DataOf(a)) && HasEnvironment(network.DataOf(b))); round++)
        {
            var warm = new List<string>();
            for (var i = 0; i < 8; i++) warm.Add((await cli.OkAsync("task", "run", "-s", "wide", "-d", openData, "--no-wait")).Stdout.Trim());
            foreach (var id in warm) await cli.OkAsync("task", "result", "--id", id, "--wait");
        }

        // Four calls held until the test has seen them all running: however slow the machine, they overlap.
        var (gate, gateData) = Gate(gates, "measured");
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add((await cli.OkAsync("task", "run", "-s", "wide", "-d", gateData, "--no-wait")).Stdout.Trim());
        JsonElement[] workers = [];
        await Poll.UntilAsync(async () =>
        {
            var listed = JsonDocument.Parse((await cli.OkAsync("ls", "workers", "-s", "wide", "--json")).Stdout).RootElement.Clone();
            workers = [.. listed.EnumerateArray().Where(w => w.GetProperty("running").GetInt32() >= 1)];
            return workers.Length == 4;
        }, TimeSpan.FromSeconds(90), "four workers of wide to be reported running");
        File.WriteAllText(gate, "");

        // Two per silo, as the cores are; and the calls did overlap: four at once, not two after two.
        Assert.Equal([2, 2], workers.GroupBy(w => w.GetProperty("silo").GetString()).Select(g => g.Count()));
        var windows = new List<(double Start, double End)>();
        foreach (var id in ids)
        {
            using var result = JsonDocument.Parse((await cli.OkAsync("task", "result", "--id", id, "--wait", "--json")).Stdout);
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
        var open = Gate(gates, "open");
        File.WriteAllText(open.Path, "");
        await cli.OkAsync("task", "run", "-s", "wide", "-d", open.Data);

        // A backlog of calls that run until the test lets them end, for a socket that asks for 4 slots, on a cluster
        // of 2 cores: the first silo alone runs two of them for as long as the second takes to start and build its
        // environment.
        var gate = Gate(gates, "backlog");
        var ids = new List<string>();
        for (var i = 0; i < 12; i++) ids.Add((await cli.OkAsync("task", "run", "-s", "wide", "-d", gate.Data, "--no-wait")).Stdout.Trim());
        await Poll.UntilAsync(async () => Running(await cli.OkAsync("ls", "workers", "-s", "wide", "--json")).Length == 2,
            TimeSpan.FromSeconds(30), "the first silo's two slots to run");

        var b = await network.StartSiloAsync();
        JsonElement[] workers = [];
        await Poll.UntilAsync(async () =>
        {
            workers = Running(await cli.OkAsync("ls", "workers", "-s", "wide", "--json"));
            return workers.Length == 4;
        }, TimeSpan.FromSeconds(60), "four workers of wide running once the second silo joined");

        File.WriteAllText(gate.Path, "");
        foreach (var id in ids) await cli.OkAsync("task", "result", "--id", id, "--wait");
        var calls = new List<JsonElement>();
        foreach (var id in ids) calls.Add(JsonDocument.Parse((await cli.OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement.Clone());

        Assert.Equal([2, 2], workers.GroupBy(w => w.GetProperty("silo").GetString()).Select(g => g.Count()));
        Assert.All(calls, c => Assert.Equal("succeeded", c.GetProperty("state").GetString()));
        var onB = calls.Count(c => c.GetProperty("worker").GetString()!.Contains($":{b.SiloPort}/", StringComparison.Ordinal));
        var onA = calls.Count(c => c.GetProperty("worker").GetString()!.Contains($":{a.SiloPort}/", StringComparison.Ordinal));
        Assert.True(onB >= 2, $"the silo that joined ran {onB} of 12 calls");
        Assert.Equal(12, onA + onB);
        // Slots waiting for a core ask the ledger instead of being sent to placement to be refused there (Orleans
        // logs each refused placement as an error, with a stack trace). Before, each waiting slot was refused twice
        // a second (dozens here); one seen in about one run in five is a race not yet understood (see the note).
        var refused = a.Output.Split('\n').Where(l => l.Contains("Failed to address message", StringComparison.Ordinal)).ToList();
        Assert.True(refused.Count <= 2, $"{refused.Count} placements refused; the first: {refused.FirstOrDefault()}");
    }

    // A file the held calls wait for, and the call's data naming it (a Python literal).
    private static (string Path, string Data) Gate(TempDirectory folder, string name) => (folder.File(name), $"'{folder.File(name)}'");

    private static bool HasEnvironment(string data) =>
        Directory.Exists(Path.Combine(data, "venv")) && Directory.EnumerateDirectories(Path.Combine(data, "venv")).Any();

    private static JsonElement[] Running(CliResult listed) =>
        [.. JsonDocument.Parse(listed.Stdout).RootElement.Clone().EnumerateArray().Where(w => w.GetProperty("running").GetInt32() >= 1)];
}
