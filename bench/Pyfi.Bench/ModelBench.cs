using System.Diagnostics;
using System.Text.Json;
using Pyfi.Client;

namespace Pyfi.Bench;

/// <summary>
/// The model workload: build a network of many definitions, time the adds and the listings; after a silo
/// restart, check the listings are identical and time them again (the first one activates the registry
/// from the database).
/// </summary>
public static class ModelBench
{
    /// <summary><c>populate</c>: adds the definitions and saves the listings to <paramref name="snapshot"/>; <c>verify</c>: compares and times.</summary>
    public static async Task<int> RunAsync(string phase, string gateway, string snapshot, int queues, int processors, int sockets)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        var registry = client.Registry;
        if (phase == "populate")
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < queues; i++) await registry.AddQueueAsync(new QueueSpec { Name = $"bench.q{i}" });
            for (var i = 0; i < processors; i++)
            {
                await registry.AddProcessorAsync(new ProcessorSpec { Name = $"bench.p{i}", Repository = "/srv/git/bench.git", Module = "bench.mod" });
            }

            for (var i = 0; i < sockets; i++)
            {
                await registry.AddSocketAsync(new SocketSpec
                {
                    Name = $"bench.s{i}", Queue = $"bench.q{i % queues}", Processor = $"bench.p{i % processors}", Function = "work",
                });
            }

            var total = queues + processors + sockets;
            Emit("model-add", new { definitions = total, seconds = Round(watch.Elapsed.TotalSeconds), adds_per_s = Round(total / watch.Elapsed.TotalSeconds) });
            await File.WriteAllTextAsync(snapshot, await ListAllAsync(registry));
            await TimeListingsAsync(registry, "warm");
            return 0;
        }

        var first = Stopwatch.StartNew();
        var listed = await ListAllAsync(registry);
        Emit("model-ls-after-restart-first", new { ms = Round(first.Elapsed.TotalMilliseconds) });
        var same = listed == await File.ReadAllTextAsync(snapshot);
        Emit("model-ls-after-restart-identical", new { identical = same });
        await TimeListingsAsync(registry, "after-restart");
        return same ? 0 : 1;
    }

    private static async Task TimeListingsAsync(IRegistryGrain registry, string when)
    {
        foreach (var (name, list) in new (string, Func<Task>)[]
        {
            ("queues", () => registry.ListQueuesAsync()),
            ("processors", () => registry.ListProcessorsAsync()),
            ("sockets", () => registry.ListSocketsAsync()),
        })
        {
            await list();
            var samples = await Stats.TimeAsync(50, list);
            Emit($"model-ls-{name}-{when}", new { calls = samples.Length, p50_ms = Round(Stats.Percentile(samples, 0.5)), p99_ms = Round(Stats.Percentile(samples, 0.99)) });
        }
    }

    private static async Task<string> ListAllAsync(IRegistryGrain registry) => JsonSerializer.Serialize(new object[]
    {
        await registry.ListQueuesAsync(), await registry.ListProcessorsAsync(), await registry.ListSocketsAsync(),
    });

    private static double Round(double value) => Output.Round(value);

    private static void Emit(string workload, object figures) => Output.Emit(workload, figures);
}
