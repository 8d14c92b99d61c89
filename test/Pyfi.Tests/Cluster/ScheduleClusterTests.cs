using Pyfi.Tests.Flows;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// Schedules on two silos and PostgreSQL: the silo running some of them is killed, the other takes them up, and every
/// slot from each schedule's first to its last made exactly one call (catch-up all: the slots of the loss are made up).
/// </summary>
public sealed class ScheduleClusterTests
{
    [Fact]
    public async Task KillingTheSiloASchedulesRunsOnLosesNoSlotAndDoublesNone()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var folder = new TempDirectory("pyfi-sched-cluster");
        await using var cluster = await LocalCluster.StartAsync(2, folder.Path, db.ConnectionString);
        var cli = cluster.Cli(cluster.Silos[0]);
        await SampleCode.AddAsync(cli, repository);
        await SampleCode.AddSocketsAsync(cli, ("beat", "noop"));
        var names = Enumerable.Range(1, 6).Select(i => $"sc{i}").ToArray();
        foreach (var name in names) await cli.OkAsync("add", "schedule", "-n", name, "-s", "beat", "--every", "1s", "--catch-up", "all", "--overlap", "queue");

        // Each schedule says where it runs when it activates; the silo running the most of them is the one killed.
        string[] Running(LocalCluster.Member silo) => [.. names.Where(n => File.ReadAllText(silo.Log).Contains($"Schedule {n} runs on this silo", StringComparison.Ordinal))];
        await Poll.UntilAsync(() => cluster.Silos.Sum(s => Running(s).Length) >= names.Length, TimeSpan.FromSeconds(60), "every schedule to run on a silo");
        var victim = cluster.Silos.OrderByDescending(s => Running(s).Length).First();
        var survivor = cluster.Silos.Single(s => s != victim);
        var moved = Running(victim);

        await using (var client = await cluster.ConnectAsync(survivor))
        {
            await Poll.UntilAsync(async () => (await ScheduleCalls.OfAsync(client, "beat", moved[0])).Count >= 2, TimeSpan.FromSeconds(60), "the schedules to fire");
        }

        await victim.KillAsync();
        var killed = DateTimeOffset.UtcNow;
        await using var survivorClient = await cluster.ConnectAsync(survivor);
        await Poll.UntilAsync(async () =>
        {
            try
            {
                foreach (var name in moved)
                {
                    if ((await ScheduleCalls.OfAsync(survivorClient, "beat", name)).Count(c => c.Slot > killed + TimeSpan.FromSeconds(2)) < 2) return false;
                }

                return true;
            }
            catch (Orleans.Runtime.OrleansException)
            {
                return false; // asked through the raw Orleans client while the cluster still counts the killed silo
            }
        }, TimeSpan.FromSeconds(120), "the killed silo's schedules to fire on the other");

        Assert.True(moved.All(n => File.ReadAllText(survivor.Log).Contains($"Schedule {n} runs on this silo", StringComparison.Ordinal)), "the survivor took up the killed silo's schedules");
        foreach (var name in names)
        {
            var slots = (await ScheduleCalls.OfAsync(survivorClient, "beat", name)).Select(c => c.Slot).ToList();
            var span = (int)((slots[^1] - slots[0]).TotalSeconds) + 1;
            Assert.True(slots.Count == span && slots.Distinct().Count() == slots.Count,
                $"{name}: {slots.Count} calls over {span} slots ({string.Join(", ", slots.Select(s => s.ToString("HH:mm:ss")))}); killed {killed:HH:mm:ss.fff}");
        }
    }
}
