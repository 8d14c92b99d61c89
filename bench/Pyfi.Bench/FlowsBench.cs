using System.Diagnostics;
using Pyfi.Client;
using Pyfi.Client.Workflows;

namespace Pyfi.Bench;

/// <summary>
/// The peers' workflow workloads: a pipeline of K inc calls (Celery's chain) and a funnel of F noop calls into
/// total (a chord), run by the network as workflows, timed from submit to result.
/// </summary>
public static class FlowsBench
{
    /// <summary>Runs each workload <paramref name="rounds"/> times against sockets <c>bench.inc</c>, <c>bench.noop</c> and <c>bench.total</c>.</summary>
    public static async Task RunAsync(PyfiClient client, int k, int f, int rounds = 1)
    {
        // The workflows' sockets get their Python workers first, as Celery's prefork children are up before it starts.
        var inc = client.Socket<int, int>("bench.inc");
        var noop = client.Socket<int, int>("bench.noop");
        var total = client.Socket<int>("bench.total");
        await client.RunAsync<int>(Flow.Funnel(inc.Bind(0), inc.Bind(1))(total.Bind()));

        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var flow = await client.StartAsync(Flow.Pipeline([inc.Bind(0), .. Enumerable.Range(1, k - 1).Select(_ => inc.Bind())]));
            var startedMs = watch.Elapsed.TotalMilliseconds;
            var last = await flow.GetAsync<int>();
            var pipelineMs = watch.Elapsed.TotalMilliseconds;
            if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null)
            {
                var info = await flow.InfoAsync();
                var calls = (await client.Cluster.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(flow.Id)).OrderBy(c => c.Created).ToList();
                Console.Error.WriteLine($"start={startedMs:0.0} firstCreated={(calls[0].Created - info.Created).TotalMilliseconds:0.0} steps={(calls[^1].Finished!.Value - calls[0].Created).TotalMilliseconds:0.0} endAfterLast={(info.Ended!.Value - calls[^1].Finished!.Value).TotalMilliseconds:0.0} total={pipelineMs:0.0}");
            }
            if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null && pipelineMs > 100000)
            {
                var calls = (await client.Cluster.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(flow.Id)).OrderBy(c => c.Created).ToList();
                DateTimeOffset? prev = null;
                foreach (var c in calls)
                {
                    Console.Error.WriteLine($"{c.Key} gap={(prev is null ? 0 : (c.Created - prev.Value).TotalMilliseconds):0.0} run={((c.Finished ?? c.Created) - c.Created).TotalMilliseconds:0.0} started+{((c.Started ?? c.Created) - c.Created).TotalMilliseconds:0.0} att={c.Attempts} worker={c.Worker}");
                    prev = c.Finished;
                }
            }
            if (last != k) throw new InvalidOperationException($"the pipeline of {k} inc calls gave {last}");
            Output.Emit("pipeline", new { steps = k, ms = Output.Round(pipelineMs, 1) });

            watch.Restart();
            var funnel = await client.StartAsync(Flow.Funnel([.. Enumerable.Range(0, f).Select(i => noop.Bind(i))])(total.Bind()));
            var fstart = watch.Elapsed.TotalMilliseconds;
            var sum = await funnel.GetAsync<int>();
            var funnelMs = watch.Elapsed.TotalMilliseconds;
            if (Environment.GetEnvironmentVariable("BENCH_DEBUG") is not null)
            {
                var info = await funnel.InfoAsync();
                var calls = (await client.Cluster.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(funnel.Id)).OrderBy(c => c.Created).ToList();
                var heads = calls.Where(c => c.Socket == "bench.noop").ToList();
                var fin = calls.Single(c => c.Socket == "bench.total");
                Console.Error.WriteLine($"F start={fstart:0.0} submitted={(heads.Max(c => c.Created) - info.Created).TotalMilliseconds:0.0} headsDone={(heads.Max(c => c.Finished!.Value) - info.Created).TotalMilliseconds:0.0} finalCreated+{(fin.Created - heads.Max(c => c.Finished!.Value)).TotalMilliseconds:0.0} finalStarted+{((fin.Started ?? fin.Created) - fin.Created).TotalMilliseconds:0.0} finalRun={(fin.Finished!.Value - (fin.Started ?? fin.Created)).TotalMilliseconds:0.0} end+{(info.Ended!.Value - fin.Finished!.Value).TotalMilliseconds:0.0} total={funnelMs:0.0}");
            }
            if (sum != f * (f - 1) / 2) throw new InvalidOperationException($"the funnel of {f} noop calls gave {sum}");
            Output.Emit("funnel", new { width = f, ms = Output.Round(funnelMs, 1) });
        }
    }

    /// <summary>Connects and runs the workloads <paramref name="rounds"/> times (<c>Pyfi.Bench flows</c>).</summary>
    public static async Task<int> RunAsync(string gateway, int k, int f, int rounds)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        await RunAsync(client, k, f, rounds);
        return 0;
    }
}
