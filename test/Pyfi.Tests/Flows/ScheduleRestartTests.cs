using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Flows;

/// <summary>
/// Schedules across a silo restart: three schedules every second, one per catch-up mode, on a silo stopped for several
/// slots and started again on the same database. Each makes up the slots it missed as its mode says, and none fires a
/// slot twice.
/// </summary>
public sealed class ScheduleRestartTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task EachCatchUpModeMakesUpTheSlotsMissedWhileTheSiloWasDownAsItSays()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-schedules");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await SampleCode.AddSocketsAsync(cli, ("beat", "noop"));
            string[] modes = ["none", "one", "all"];
            foreach (var mode in modes)
            {
                await cli.OkAsync("add", "schedule", "-n", $"c-{mode}", "-s", "beat", "--every", "1s", "--catch-up", mode, "--overlap", "queue");
            }

            await using (var client = await silo.ConnectAsync())
            {
                await Poll.UntilAsync(async () =>
                {
                    foreach (var mode in modes)
                    {
                        if ((await ScheduleCalls.OfAsync(client, "beat", $"c-{mode}")).Count < 2) return false;
                    }

                    return true;
                }, TimeSpan.FromSeconds(60), "two calls of each schedule");
            }

            // Down for at least four slots: the downtime is the scenario, not a wait for something to happen.
            await silo.StopAsync();
            var stopped = DateTimeOffset.UtcNow;
            var down = stopped + TimeSpan.FromSeconds(4) - DateTimeOffset.UtcNow;
            if (down > TimeSpan.Zero) await Task.Delay(down);
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);
            var restarted = DateTimeOffset.UtcNow;
            cli = silo.Cli();

            await using var again = await silo.ConnectAsync();
            await Poll.UntilAsync(async () =>
            {
                foreach (var mode in modes)
                {
                    if ((await ScheduleCalls.OfAsync(again, "beat", $"c-{mode}")).Count(c => c.Slot > restarted) < 2) return false;
                }

                return true;
            }, TimeSpan.FromSeconds(90), "each schedule to fire twice after the restart");

            foreach (var mode in modes)
            {
                var status = JsonDocument.Parse((await cli.OkAsync("ls", "schedule", "-n", $"c-{mode}", "--json")).Stdout).RootElement.GetProperty("status");
                var missed = status.GetProperty("missed").GetInt64();
                var calls = await ScheduleCalls.OfAsync(again, "beat", $"c-{mode}");
                var slots = calls.Select(c => c.Slot).ToList();
                var report = $"{mode}: missed {missed}, slots {string.Join(", ", slots.Select(s => s.ToString("HH:mm:ss")))}; stopped {stopped:HH:mm:ss.fff}, restarted {restarted:HH:mm:ss.fff}";

                Assert.True(slots.Distinct().Count() == slots.Count, $"a slot fired twice: {report}");
                var span = (int)((slots[^1] - slots[0]) / Second) + 1;
                // Every slot from the first to the last either made a call or is counted as missed.
                Assert.True(span - slots.Count == missed, report);
                var gaps = slots.Zip(slots.Skip(1)).Where(p => p.Second - p.First > Second).ToList();
                switch (mode)
                {
                    case "all":
                        Assert.True(missed == 0 && gaps.Count == 0, report);
                        Assert.True(calls.Count(c => c.Slot < restarted && c.Call.Created >= restarted) >= 3, $"slots of the downtime made up after the restart: {report}");
                        break;
                    case "one":
                        Assert.True(gaps.Count == 1 && missed >= 1, report);
                        // The slot after the gap is the latest missed one, made up at the restart: made a second or more after it.
                        var madeUp = calls.Single(c => c.Slot == gaps[0].Second);
                        Assert.True(madeUp.Call.Created - madeUp.Slot >= Second, $"{report}; made up {madeUp.Slot:HH:mm:ss} at {madeUp.Call.Created:HH:mm:ss.fff}");
                        break;
                    default:
                        Assert.True(gaps.Count == 1 && missed >= 3, report);
                        Assert.True(gaps[0].Second >= restarted - Second - TimeSpan.FromSeconds(1), $"none made up a slot of the downtime: {report}");
                        break;
                }
            }

            silo.AssertNoWarnings();
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }
}
