using Pyfi.Client;
using Pyfi.Tests.Infrastructure;
using static Pyfi.Client.Workflows.Flow;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// A workflow survives its silo: killed with SIGKILL mid-workflow and started again, it goes on where it was,
/// on the embedded default and on PostgreSQL.
/// </summary>
public sealed class WorkflowRecoveryTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AWorkflowWhoseSiloIsKilledGoesOnWhereItWasAfterARestart(string storage)
    {
        await using var db = storage == "postgres" ? await PostgresDatabase.CreateAsync() : null;
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-flow-kill");
        var effects = Path.Combine(data.Path, "effects.txt");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        if (db is not null)
        {
            env["PYFI_STORAGE"] = "postgres";
            env["PYFI_POSTGRES"] = db.ConnectionString;
        }

        var silo = await SiloProcess.StartAsync(data.Path, env);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await cli.OkAsync("add", "socket", "-n", "link", "-q", "q", "-pn", "sample", "-t", "link", "-c", "2", "--max-attempts", "5", "--backoff", "100ms");
            Guid id;
            await using (var client = await silo.ConnectAsync())
            {
                var link = client.Socket<int>("link");
                id = (await client.StartAsync(Pipeline([.. Enumerable.Range(0, 12).Select(i => link.Bind(effects, i, 0.4))]))).Id;
            }

            await Poll.UntilAsync(() => Lines(effects).Count >= 4, TimeSpan.FromSeconds(60), "four steps to run");
            await silo.KillAsync();
            var before = Lines(effects);
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);
            await using var after = await silo.ConnectAsync();

            Assert.Equal(11, await after.Flow(id).GetAsync<int>(TimeSpan.FromSeconds(150)));
            var lines = Lines(effects);
            // Every step ran, in order; the steps that ended before the kill did not run again. Only the step
            // running at the kill may have run twice (its effect happened, its end was not stored).
            Assert.Equal(Enumerable.Range(0, 12).Select(i => i.ToString()), lines.Distinct());
            Assert.All(lines.Skip(1).Zip(lines), pair => Assert.InRange(int.Parse(pair.First) - int.Parse(pair.Second), 0, 1));
            Assert.InRange(lines.Count, 12, 13);
            Assert.Equal(before.Take(before.Count - 1), lines.Take(before.Count - 1));
            var info = await after.Flow(id).InfoAsync();
            Assert.Equal((12, 12), (info.Done, info.Total));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    private static List<string> Lines(string path) =>
        File.Exists(path) ? [.. File.ReadAllLines(path).Where(l => l.Length > 0)] : [];
}
