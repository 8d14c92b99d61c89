using System.Diagnostics;
using Pyfi.Client;
using Pyfi.Client.Workflows;

namespace Pyfi.Bench;

/// <summary>
/// Data flow (issue 15): a plug hop against a pipeline hop, and calls/s through a three-stage plug chain. Sockets
/// (made by bench/plugs.sh): <c>bench.inc</c> (a pipeline's steps), <c>bench.loop</c> (inc with a plug to itself,
/// --max-hops K-1: a run of K calls, one hop each), <c>bench.s1</c> → <c>bench.s2</c> → <c>bench.s3</c> (noop, two plugs).
/// A run's end is seen by reading its calls every millisecond (runs have no single result to wait on yet), which
/// adds at most that to each figure.
/// </summary>
public static class PlugsBench
{
    /// <summary>Runs the workloads <paramref name="rounds"/> times.</summary>
    public static async Task<int> RunAsync(string gateway, int k, int n, int rounds)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        var listing = client.Cluster.GetGrain<ICallListingGrain>(0);
        var inc = client.Socket<int, int>("bench.inc");
        // Warm: every socket's Python workers are up before anything is timed.
        await client.RunAsync<int>(Flow.Pipeline(inc.Bind(0), inc.Bind()));
        await RunLoopAsync(client, listing, k);
        await ChainAsync(client, listing, 20);
        await JoinAsync(client, listing, 20);

        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var value = await client.RunAsync<int>(Flow.Pipeline([inc.Bind(0), .. Enumerable.Range(1, k - 1).Select(_ => inc.Bind())]));
            var pipelineMs = watch.Elapsed.TotalMilliseconds;
            if (value != k) throw new InvalidOperationException($"the pipeline gave {value}, not {k}");
            Output.Emit("pipeline-hop", new { steps = k, ms = Output.Round(pipelineMs, 1), ms_per_hop = Output.Round(pipelineMs / k) });

            var plugMs = await RunLoopAsync(client, listing, k);
            Output.Emit("plug-hop", new { calls = k, ms = Output.Round(plugMs, 1), ms_per_hop = Output.Round(plugMs / k) });

            var joinMs = await JoinAsync(client, listing, 200);
            Output.Emit("plug-join", new { runs = 200, ms = Output.Round(joinMs, 1), ms_per_run = Output.Round(joinMs / 200) });

            var seconds = await ChainAsync(client, listing, n);
            Output.Emit("plug-chain", new { runs = n, stages = 3, seconds = Output.Round(seconds), calls_per_s = Output.Round(3 * n / seconds, 1), runs_per_s = Output.Round(n / seconds, 1) });
        }

        return 0;
    }

    // One run through bench.loop's plug to itself: K calls; milliseconds from submission until the last has ended.
    private static async Task<double> RunLoopAsync(PyfiClient client, ICallListingGrain listing, int k)
    {
        var watch = Stopwatch.StartNew();
        var first = await client.Cluster.GetGrain<ISocketGrain>("bench.loop").RunAsync(new CallRequest { Socket = "bench.loop", Args = "[0]" }, TimeSpan.Zero);
        while (true)
        {
            var calls = await listing.ListAsync(new CallQuery { Run = first.Id, Limit = k + 1 });
            if (calls.Length >= k && calls.All(c => c.State.IsFinal() && c.Deliveries.IsEmpty))
            {
                var last = calls.MaxBy(c => c.Hop)!;
                if (last.State != CallState.Succeeded || last.Result != k.ToString()) throw new InvalidOperationException($"the loop's last call: {last.State} {last.Result}");
                return watch.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(1);
        }
    }

    // N runs into bench.j0, which fans out to bench.ja and bench.jb, joined at bench.jt (positions 0 and 1): milliseconds
    // until every run's joined call has ended. Against the fan-out alone, the join adds its grain: a stored value per
    // position and the call made once both are in.
    private static async Task<double> JoinAsync(PyfiClient client, ICallListingGrain listing, int n) =>
        (await FloodAsync(client, listing, "bench.j0", "bench.jt", n, TimeSpan.FromMilliseconds(5))) * 1000;

    // N runs into bench.s1 at once; seconds until bench.s3 has ended them all.
    private static Task<double> ChainAsync(PyfiClient client, ICallListingGrain listing, int n) =>
        FloodAsync(client, listing, "bench.s1", "bench.s3", n, TimeSpan.FromMilliseconds(20));

    // N runs started on `first` at once (64 submissions in flight); seconds until `last` has N more succeeded calls,
    // read every `poll`.
    private static async Task<double> FloodAsync(PyfiClient client, ICallListingGrain listing, string first, string last, int n, TimeSpan poll)
    {
        var before = (await listing.ListAsync(new CallQuery { Socket = last, Limit = CallQuery.MaxLimit })).Length;
        var socket = client.Cluster.GetGrain<ISocketGrain>(first);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            await socket.RunAsync(new CallRequest { Socket = first, Args = $"[{i}]" }, TimeSpan.Zero));
        while ((await listing.ListAsync(new CallQuery { Socket = last, State = CallState.Succeeded, Limit = CallQuery.MaxLimit })).Length < before + n)
        {
            await Task.Delay(poll);
        }

        return watch.Elapsed.TotalSeconds;
    }
}
