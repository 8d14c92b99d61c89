using System.Diagnostics;
using Pyfi.Client;
using Pyfi.Client.Workflows;

namespace Pyfi.Bench;

/// <summary>
/// The peers' workflow workloads: a pipeline of K inc calls (Celery's chain) and a funnel of F noop calls into
/// total (a chord), run by the network as workflows, timed from submit to result. With BENCH_EXPLAIN set, each
/// run also prints where its time went (stored and started; first to last step; ended to answered) on stderr.
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
            var pipeline = Flow.Pipeline([inc.Bind(0), .. Enumerable.Range(1, k - 1).Select(_ => inc.Bind())]);
            await TimeAsync(client, "pipeline", pipeline, k, ("steps", k));
            var funnel = Flow.Funnel([.. Enumerable.Range(0, f).Select(i => noop.Bind(i))])(total.Bind());
            await TimeAsync(client, "funnel", funnel, f * (f - 1) / 2, ("width", f));
        }
    }

    /// <summary>Connects and runs the workloads <paramref name="rounds"/> times (<c>Pyfi.Bench flows</c>).</summary>
    public static async Task<int> RunAsync(string gateway, int k, int f, int rounds)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        await RunAsync(client, k, f, rounds);
        return 0;
    }

    /// <summary>
    /// A parallel of <paramref name="steps"/> noop calls (<c>Pyfi.Bench flows-large</c>, issue 13), timed from
    /// submit to result, while a reader asks the workflow where it is (its counts, as watchers do, and the whole
    /// workflow, as <c>pyfi flow result</c> does, every fifth time) every 200 ms: how long those answers take while
    /// thousands of steps are in flight.
    /// </summary>
    public static async Task<int> RunLargeAsync(string gateway, int steps)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        var noop = client.Socket<int, int>("bench.noop");
        var watch = Stopwatch.StartNew();
        var flow = await client.StartAsync(Flow.Parallel([.. Enumerable.Range(0, steps).Select(i => noop.Bind(i))]));
        var started = watch.Elapsed.TotalMilliseconds;
        var grain = client.Cluster.GetGrain<IWorkflowGrain>(flow.Id);
        var progress = new List<double>();
        var whole = new List<double>();
        using var reading = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!reading.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                var now = await grain.GetProgressAsync();
                progress.Add(clock.Elapsed.TotalMilliseconds);
                if (now.State.IsFinal()) return;
                if (progress.Count % 5 == 1)
                {
                    clock.Restart();
                    await grain.GetAsync();
                    whole.Add(clock.Elapsed.TotalMilliseconds);
                }

                await Task.Delay(200);
            }
        });
        var result = await flow.GetAsync<int[]>();
        var ms = watch.Elapsed.TotalMilliseconds;
        await reading.CancelAsync();
        await reader;
        if (result.Length != steps || result.Where((value, i) => value != i).Any()) throw new InvalidOperationException($"the parallel of {steps} gave the wrong list");
        Output.Emit("parallel", new Dictionary<string, object>
        {
            ["steps"] = steps,
            ["ms"] = Output.Round(ms, 1),
            ["steps_per_s"] = Output.Round(steps / (ms / 1000), 0),
            ["started_ms"] = Output.Round(started, 1),
            ["progress_p50_ms"] = Output.Round(Stats.Percentile([.. progress], 0.5), 1),
            ["progress_max_ms"] = Output.Round(progress.Max(), 1),
            ["whole_p50_ms"] = Output.Round(whole.Count > 0 ? Stats.Percentile([.. whole], 0.5) : 0, 1),
            ["whole_max_ms"] = Output.Round(whole.Count > 0 ? whole.Max() : 0, 1),
        });
        return 0;
    }

    private static async Task TimeAsync(PyfiClient client, string workload, PyfiStep step, int expected, (string Name, int Value) size)
    {
        var watch = Stopwatch.StartNew();
        var flow = await client.StartAsync(step);
        var started = watch.Elapsed.TotalMilliseconds;
        var result = await flow.GetAsync<int>();
        var ms = watch.Elapsed.TotalMilliseconds;
        if (result != expected) throw new InvalidOperationException($"the {workload} gave {result}, not {expected}");
        Output.Emit(workload, new Dictionary<string, object> { [size.Name] = size.Value, ["ms"] = Output.Round(ms, 1) });
        if (Environment.GetEnvironmentVariable("BENCH_EXPLAIN") is null) return;

        var info = await flow.InfoAsync();
        var calls = await client.Cluster.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(flow.Id);
        var first = calls.Min(c => c.Created);
        var last = calls.Max(c => c.Finished!.Value);
        Console.Error.WriteLine(
            $"{workload}: started (stored, reminder) {started:0.0} ms; first step submitted +{(first - info.Created).TotalMilliseconds:0.0} ms; " +
            $"first step to last end {(last - first).TotalMilliseconds:0.0} ms; answered {ms:0.0} ms");
        if (Environment.GetEnvironmentVariable("BENCH_EXPLAIN") == "2")
        {
            foreach (var g in calls.GroupBy(c => c.Worker)) Console.Error.WriteLine($"  {g.Key}: {g.Count()} calls, attempts {g.Sum(c => c.Attempts)}");
            var ends = calls.Select(c => c.Finished!.Value).Order().ToList();
            var gaps = ends.Zip(ends.Skip(1), (a, b) => (b - a).TotalMilliseconds).Select((g, i) => (g, i)).OrderByDescending(x => x.g).Take(3);
            Console.Error.WriteLine("  largest gaps between ends: " + string.Join(", ", gaps.Select(x => $"{x.g:0.0} ms after #{x.i}")));
        }
    }
}
