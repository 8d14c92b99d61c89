using System.Diagnostics;
using Pyfi.Client;

namespace Pyfi.Bench;

/// <summary>
/// bench/backlog.sh's client: submits <c>calls</c> calls to a slow socket without waiting for them (each is stored
/// before it is acknowledged), at most <c>inFlight</c> at a time, and prints the submit rate. The calls stay queued:
/// the backlog whose disk, memory and restart the script measures.
/// </summary>
public static class BacklogBench
{
    /// <summary>Submits the backlog to <paramref name="socket"/> with <paramref name="args"/> as each call's arguments.</summary>
    public static async Task<int> RunAsync(string gateway, string socket, string args, int calls, int inFlight)
    {
        await using var client = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        var grain = client.Cluster.GetGrain<ISocketGrain>(socket);
        using var slots = new SemaphoreSlim(inFlight);
        var watch = Stopwatch.StartNew();
        var submissions = new List<Task>(calls);
        for (var i = 0; i < calls; i++)
        {
            await slots.WaitAsync();
            submissions.Add(SubmitAsync());
        }

        await Task.WhenAll(submissions);
        var seconds = watch.Elapsed.TotalSeconds;
        Output.Emit("backlog-submit", new { calls, in_flight = inFlight, seconds = Output.Round(seconds, 1), calls_per_s = Output.Round(calls / seconds, 0) });
        return 0;

        async Task SubmitAsync()
        {
            try
            {
                await grain.RunAsync(new CallRequest { Socket = socket, Args = args }, TimeSpan.Zero);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
