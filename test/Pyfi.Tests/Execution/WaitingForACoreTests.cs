using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>Waiting for a core is normal work, not a failure: a backlog larger than the silo's cores logs no warning or error.</summary>
public sealed class WaitingForACoreTests
{
    [Fact]
    public async Task ABacklogOnTwoSocketsOfAOneCoreSiloLogsNoWarningOrError()
    {
        using var data = new TempDirectory("pyfi-backlog");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "1" });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        // Two sockets of two slots each, one core: at most one of the four slots runs at a time, the others wait.
        await SampleCode.AddSocketsAsync(cli, "sleepy", "noop");

        var ids = new List<string>();
        for (var n = 0; n < 6; n++)
        {
            ids.Add((await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "0.3", "--no-wait")).Stdout.Trim());
            ids.Add((await cli.OkAsync("task", "run", "-s", "noop", "-d", $"{n}", "--no-wait")).Stdout.Trim());
        }

        foreach (var id in ids)
        {
            var result = await cli.RunAsync(["task", "result", "--id", id, "--wait"], timeout: TimeSpan.FromMinutes(2));
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        silo.AssertNoWarnings();
    }
}
