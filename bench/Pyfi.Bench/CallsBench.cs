using System.Diagnostics;
using System.Text.Json;
using Pyfi.Client;
using Pyfi.Client.Calls;

namespace Pyfi.Bench;

/// <summary>
/// The peers' call workloads against a running silo, through the .NET client: throughput (N noop calls
/// submitted at once), latency (M noop calls one after another), a pipeline of K inc calls and a funnel of F
/// noop calls into total (workflows run by the network, as Celery's chain and chord), and saturation (S calls
/// that keep a core busy for 20 ms, one slot per core). Every call is stored in SQL before it is acknowledged
/// and when it ends; a workflow stores its graph first and its end last.
/// </summary>
public static class CallsBench
{
    /// <summary>Runs the workloads against sockets <c>bench.noop</c> and <c>bench.busy</c>.</summary>
    public static async Task<int> RunAsync(string gateway, int n, int m, int k, int f, int s, int cores)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => CallAsync(client, "bench.noop", $"[{i}]")));

        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, n).Select(i => CallAsync(client, "bench.noop", $"[{i}]")));
        var seconds = watch.Elapsed.TotalSeconds;
        if (!results.Select((r, i) => r == i.ToString()).All(ok => ok)) throw new InvalidOperationException("a noop call returned the wrong value");
        Output.Emit("throughput", new { calls = n, seconds = Output.Round(seconds), calls_per_s = Output.Round(n / seconds, 1) });

        var latencies = new double[m];
        for (var i = 0; i < m; i++)
        {
            watch.Restart();
            if (await CallAsync(client, "bench.noop", $"[{i}]") != i.ToString()) throw new InvalidOperationException("a noop call returned the wrong value");
            latencies[i] = watch.Elapsed.TotalMilliseconds;
        }

        Output.Emit("latency", new { calls = m, p50_ms = Output.Round(Stats.Percentile(latencies, 0.5)), p99_ms = Output.Round(latencies.Order().ElementAt((int)(0.99 * (m - 1)))) });

        await FlowsBench.RunAsync(client, k, f);

        watch.Restart();
        await Task.WhenAll(Enumerable.Range(0, s).Select(_ => CallAsync(client, "bench.busy", "[20]")));
        seconds = watch.Elapsed.TotalSeconds;
        var ideal = s * 0.020 / cores;
        Output.Emit("saturation", new { calls = s, workers = cores, seconds = Output.Round(seconds), efficiency = Output.Round(ideal / seconds) });
        return 0;
    }

    // One call, submitted and awaited to its end; returns the result's JSON text.
    private static async Task<string> CallAsync(PyfiClient client, string socket, string args)
    {
        var started = await PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = socket, Args = args }, PyfiCall.Slice, client.Retry, client.Routes);
        var call = await started.WaitAsync();
        return call.State == CallState.Succeeded ? call.Result! : throw new InvalidOperationException($"{socket} failed: {call.Error}");
    }
}
