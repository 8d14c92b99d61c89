using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>The per-core director spreads a socket's slots over the silos by free cores, and <c>pyfi ls workers</c> shows where.</summary>
public sealed class ClusterSpreadTests
{
    [Fact]
    public async Task ASocketOfFourOnTwoSilosOfTwoCoresRunsFourCallsAtOnceTwoPerSilo()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var dataA = new TempDirectory("pyfi-spread");
        using var dataB = new TempDirectory("pyfi-spread");
        var env = new Dictionary<string, string> { ["PYFI_STORAGE"] = "postgres", ["PYFI_POSTGRES"] = db.ConnectionString, ["PYFI_CORES"] = "2" };
        await using var a = await SiloProcess.StartAsync(dataA.Path, env);
        await using var b = await SiloProcess.StartAsync(dataB.Path, env);
        var cli = new PyfiCli(a.Gateway);
        await cli.OkAsync("add", "queue", "-n", "q");
        await cli.OkAsync("add", "processor", "-n", "sample", "-g", repository.Path, "-m", SampleCode.Module);
        await cli.OkAsync("add", "socket", "-n", "wide", "-q", "q", "-pn", "sample", "-t", "window", "-c", "4");

        // Both silos build the processor's environment first (each its own venv), so the measured calls start together.
        var warm = new List<string>();
        for (var i = 0; i < 8; i++) warm.Add((await cli.OkAsync("task", "run", "-s", "wide", "-d", "0.5", "--no-wait")).Stdout.Trim());
        foreach (var id in warm) await cli.OkAsync("task", "result", "--id", id, "--wait");

        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add((await cli.OkAsync("task", "run", "-s", "wide", "-d", "8", "--no-wait")).Stdout.Trim());
        JsonElement[] workers = [];
        await Poll.UntilAsync(async () =>
        {
            var listed = JsonDocument.Parse((await cli.OkAsync("ls", "workers", "-s", "wide", "--json")).Stdout).RootElement.Clone();
            workers = [.. listed.EnumerateArray().Where(w => w.GetProperty("running").GetInt32() == 1)];
            return workers.Length == 4;
        }, TimeSpan.FromSeconds(90), "four workers of wide to be reported running");

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
}
