using System.Diagnostics;
using Pyfi.Client;
using Pyfi.Client.Calls;

namespace Pyfi.Bench;

/// <summary>
/// A noop on each runtime, side by side on one silo (bench/runtimes.sh): throughput (N calls submitted at once) and
/// latency (M calls one after another, p50) of <c>bench.noop</c> (python), <c>bench.node-noop</c> (a node export) and
/// <c>bench.bash-noop</c> (a script, one process per call), then each one's ratio to python.
/// </summary>
public static class RuntimesBench
{
    private static readonly (string Runtime, string Socket)[] Sockets = [("python", "bench.noop"), ("node", "bench.node-noop"), ("bash", "bench.bash-noop")];

    /// <summary>Runs the workloads, python first.</summary>
    public static async Task<int> RunAsync(string gateway, int n, int m)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        var figures = new List<(string Runtime, double CallsPerSecond, double P50)>();
        foreach (var (runtime, socket) in Sockets)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => CallAsync(client, socket, i)));

            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, n).Select(i => CallAsync(client, socket, i)));
            var perSecond = n / watch.Elapsed.TotalSeconds;

            var latencies = new double[m];
            for (var i = 0; i < m; i++)
            {
                watch.Restart();
                await CallAsync(client, socket, i);
                latencies[i] = watch.Elapsed.TotalMilliseconds;
            }

            var p50 = Stats.Percentile(latencies, 0.5);
            Output.Emit($"{runtime}-noop", new { calls = n, calls_per_s = Output.Round(perSecond, 1), latency_calls = m, p50_ms = Output.Round(p50) });
            figures.Add((runtime, perSecond, p50));
        }

        var python = figures[0];
        foreach (var (runtime, perSecond, p50) in figures.Skip(1))
        {
            Output.Emit($"{runtime}-vs-python", new { calls_per_s_ratio = Output.Round(perSecond / python.CallsPerSecond), p50_ratio = Output.Round(p50 / python.P50) });
        }

        return 0;
    }

    // One call with one argument, to its end; its result must be the argument (a script's is the text of it).
    private static async Task CallAsync(PyfiClient client, string socket, int i)
    {
        var started = await PyfiCall.StartAsync(client.Cluster, new CallRequest { Socket = socket, Args = $"[{i}]" }, PyfiCall.Slice, client.Retry, client.Routes);
        var call = await started.WaitAsync();
        if (call.State != CallState.Succeeded) throw new InvalidOperationException($"{socket} failed: {call.Error}");
        if (call.Result!.Trim('"') != i.ToString()) throw new InvalidOperationException($"{socket} returned {call.Result}, not {i}");
    }
}
