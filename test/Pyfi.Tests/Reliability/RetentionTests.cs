using Pyfi.Client;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Reliability;

/// <summary>Ended calls are kept for the retention time, then removed by the sweeper; calls not ended are never removed.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task EndedCallsOlderThanTheRetentionAreRemovedAndOpenOnesAreKept()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-retention");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "1", ["PYFI_RETENTION"] = "00:00:03" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await cli.OkAsync("add", "socket", "-n", "noop", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "1");
            await cli.OkAsync("add", "socket", "-n", "sleepy", "-q", "q", "-pn", "sample", "-t", "sleepy", "-c", "1");
            var ended = (await cli.OkAsync("task", "run", "-s", "noop", "-d", "1", "--no-wait")).Stdout.Trim();
            await cli.OkAsync("task", "result", "--id", ended, "--wait");
            var endedBy = DateTimeOffset.UtcNow;
            var open = (await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "60", "--no-wait")).Stdout.Trim();
            await cli.OkAsync("ls", "call", "--id", ended);

            // Stopped, and started again once the call ended longer ago than the retention: the sweep at start
            // removes what ended before it.
            await silo.StopAsync();
            await PastRetentionAsync(endedBy, TimeSpan.FromSeconds(3));
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);
            cli = silo.Cli();
            CliResult gone;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            do
            {
                await Task.Delay(200);
                gone = await cli.RunAsync(["ls", "call", "--id", ended]);
            }
            while (gone.ExitCode == 0 && clock.Elapsed < TimeSpan.FromSeconds(20));

            Assert.Equal(1, gone.ExitCode);
            Assert.Contains($"call or workflow '{ended}' does not exist", gone.Stderr);
            var kept = await cli.RunAsync(["ls", "call", "--id", open]);
            Assert.True(kept.ExitCode == 0, kept.ToString());
            Assert.Matches("queued|running", kept.Stdout);
            await cli.OkAsync("task", "cancel", "--id", open);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    // Regression: on SQLite every query completes synchronously, so the sweep at the silo's start ended before its
    // task was remembered as "the sweep running", and every later sweep (the reminder's, the one after a silo is
    // lost) returned that first sweep's result without running. Stranded calls then waited for a restart.
    [Fact]
    public async Task EverySweepRunsNotOnlyTheFirst()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-retention");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "1", ["PYFI_RETENTION"] = "00:00:02" };
        await using var silo = await SiloProcess.StartAsync(data.Path, env);
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "noop", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "1");
        await using var client = await silo.ConnectAsync();
        var sweeper = client.Cluster.GetGrain<ICallSweeperGrain>(0);
        await sweeper.SweepAsync();

        var ended = (await cli.OkAsync("task", "run", "-s", "noop", "-d", "1", "--no-wait")).Stdout.Trim();
        await cli.OkAsync("task", "result", "--id", ended, "--wait");
        await PastRetentionAsync(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(2));
        await sweeper.SweepAsync();

        var gone = await cli.RunAsync(["ls", "call", "--id", ended]);
        Assert.True(gone.ExitCode == 1, $"a sweep after the retention kept the ended call:\n{gone}");
        Assert.Contains($"call or workflow '{ended}' does not exist", gone.Stderr);
    }

    // The retention is a time: a call that ended by `endedBy` is past it once `retention` (and a margin for the
    // two clocks' rounding) has gone by since.
    private static async Task PastRetentionAsync(DateTimeOffset endedBy, TimeSpan retention)
    {
        var left = endedBy + retention + TimeSpan.FromMilliseconds(100) - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero) await Task.Delay(left);
    }
}
