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
    /// <summary>
    /// <c>populate</c>: adds the definitions and saves the listings to <paramref name="snapshot"/>; <c>verify</c>: compares and
    /// times. With <paramref name="timed"/> above 0, only the last <paramref name="timed"/> sockets are added one by one
    /// (and timed, at the catalogue's full size); everything before them goes in by network applies of
    /// <see cref="ApplyChunk"/> definitions, so a large catalogue is built in minutes even where adds are slow.
    /// </summary>
    public static async Task<int> RunAsync(string phase, string gateway, string snapshot, int queues, int processors, int sockets, int timed = 0)
    {
        await using var client = await ConnectAsync(gateway);
        var registry = client.Registry;
        if (phase == "populate")
        {
            var total = queues + processors + sockets;
            if (timed > 0)
            {
                var preload = Stopwatch.StartNew();
                var definitions = Enumerable.Range(0, queues).Select(i => (object)Queue(i))
                    .Concat(Enumerable.Range(0, processors).Select(i => (object)Processor(i)))
                    .Concat(Enumerable.Range(0, sockets - timed).Select(i => (object)Socket(i, queues, processors)));
                foreach (var chunk in definitions.Chunk(ApplyChunk))
                {
                    await registry.ApplyNetworkAsync(new NetworkSpec
                    {
                        Queues = [.. chunk.OfType<QueueSpec>()], Processors = [.. chunk.OfType<ProcessorSpec>()], Sockets = [.. chunk.OfType<SocketSpec>()],
                    }, prune: false, dryRun: false);
                }

                Emit("model-preload", new { definitions = total - timed, seconds = Round(preload.Elapsed.TotalSeconds) });
                var watch = Stopwatch.StartNew();
                for (var i = sockets - timed; i < sockets; i++) await registry.AddSocketAsync(Socket(i, queues, processors));
                Emit("model-add", new { definitions = total, timed_adds = timed, seconds = Round(watch.Elapsed.TotalSeconds), adds_per_s = Round(timed / watch.Elapsed.TotalSeconds) });
            }
            else
            {
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < queues; i++) await registry.AddQueueAsync(Queue(i));
                for (var i = 0; i < processors; i++) await registry.AddProcessorAsync(Processor(i));
                for (var i = 0; i < sockets; i++) await registry.AddSocketAsync(Socket(i, queues, processors));
                Emit("model-add", new { definitions = total, seconds = Round(watch.Elapsed.TotalSeconds), adds_per_s = Round(total / watch.Elapsed.TotalSeconds) });
            }

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

    // Definitions per network apply while preloading: small enough that an apply (one commit, then a push to each
    // definition's grain) stays well inside the client's call timeout.
    private const int ApplyChunk = 100;

    // A silo that has just started with a large catalogue wakes every processor at once; on a busy machine the
    // client's first connection may time out meanwhile, so it is tried again.
    private static async Task<PyfiClient> ConnectAsync(string gateway)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
            }
            catch (PyfiConnectionException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
        }
    }

    private static QueueSpec Queue(int i) => new() { Name = $"bench.q{i}" };

    private static ProcessorSpec Processor(int i) => new() { Name = $"bench.p{i}", Repository = "/srv/git/bench.git", Module = "bench.mod" };

    private static SocketSpec Socket(int i, int queues, int processors) =>
        new() { Name = $"bench.s{i}", Queue = $"bench.q{i % queues}", Processor = $"bench.p{i % processors}", Function = "work" };

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
