using System.Text.Json;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary><c>pyfi ls nodes/agents/workers</c> against real silos running real Python.</summary>
public sealed class ClusterViewTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    [Fact]
    public async Task NodesAgentsAndBusyWorkersAreListedWithTheirHostCoresAndPythonProcesses()
    {
        var cli = fixture.Cli;
        // The environment is built first (under the suite's load that alone can take many seconds).
        await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "0.1");
        // One call per slot, long enough that no slot changes while the three listings are read: each comes
        // from the silos' reports (every 2 s), so they are read together until all three show both calls.
        for (var i = 0; i < 2; i++) await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "40", "--no-wait");

        JsonElement[] workers = [];
        JsonElement nodes = default, agents = default;
        await Poll.UntilAsync(async () =>
        {
            workers = [.. Json(await cli.OkAsync("ls", "workers", "-s", "sleepy", "--json")).EnumerateArray()];
            if (workers.Length != 2 || !workers.All(w => w.GetProperty("running").GetInt32() == 1 && w.TryGetProperty("pid", out _))) return false;
            nodes = Json(await cli.OkAsync("ls", "nodes", "--json"));
            agents = Json(await cli.OkAsync("ls", "agents", "--json"));
            return nodes.EnumerateArray().Sum(n => n.GetProperty("coresBusy").GetInt32()) == 2
                && agents.EnumerateArray().Sum(a => a.GetProperty("workers").EnumerateArray().Count(w => w.GetProperty("running").GetInt32() == 1)) == 2;
        }, TimeSpan.FromSeconds(60), "both slots of sleepy to be reported running by workers, nodes and agents");
        var table = await cli.OkAsync("ls", "workers");

        Assert.Equal(["sleepy#0", "sleepy#1"], workers.Select(w => w.GetProperty("worker").GetString()).Order());
        var pids = workers.Select(w => w.GetProperty("pid").GetInt32()).ToList();
        Assert.Equal(2, pids.Distinct().Count());
        Assert.All(pids, pid => Assert.Contains(pid, PythonProcesses.Of(fixture.DataPath)));
        var node = Assert.Single(nodes.EnumerateArray());
        Assert.Equal(2, node.GetProperty("cores").GetInt32());
        Assert.Equal(2, node.GetProperty("coresBusy").GetInt32());
        Assert.True(node.GetProperty("memoryMb").GetInt64() > 0);
        Assert.True(node.GetProperty("processors").GetInt32() >= 1);
        var agent = Assert.Single(agents.EnumerateArray());
        Assert.Equal(node.GetProperty("host").GetString(), agent.GetProperty("host").GetString());
        Assert.Equal(2, agent.GetProperty("workers").EnumerateArray().Count(w => w.GetProperty("socket").GetString() == "sleepy"));
        foreach (var column in new[] { "Worker", "Silo", "Host", "Pid", "Running", "Calls done" }) Assert.Contains(column, table.Stdout);
    }

    private static JsonElement Json(CliResult result) => JsonDocument.Parse(result.Stdout).RootElement.Clone();
}
