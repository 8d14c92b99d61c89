using System.Diagnostics;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Sockets;

/// <summary>
/// A backlog through a real silo: 10,000 calls queued behind one long call on a one-slot socket cost the silo at
/// most 200 bytes of managed heap each (a window of them is held; the rest stay in SQL, paged in as the window runs
/// low), while a call on another socket and a listing of calls are answered as usual.
/// </summary>
public sealed class BacklogTests
{
    private const int Backlog = 10_000;
    private const long MostBytesPerCall = 200;

    [Fact]
    public async Task TenThousandQueuedCallsCostTheSiloAtMostTwoHundredBytesEach()
    {
        using var data = new TempDirectory("pyfi-backlog");
        using var probe = new TempDirectory("pyfi-backlog-heap");
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2", ["PYFI_TEST_HEAP_PROBE"] = probe.Path });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "slow", "-q", "q", "-pn", "sample", "-t", "slow_version", "-c", "1", "--max-queue", $"{Backlog * 2}");
        await cli.OkAsync("add", "socket", "-n", "quick", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "1");
        await using var client = await silo.ConnectAsync();
        var slow = client.Cluster.GetGrain<ISocketGrain>("slow");

        // The window filled (and everything warmed up): what is measured from here is what each further call costs.
        await SubmitAsync(slow, QueuePagerWindow + 100);
        var before = await ManagedHeapAsync(probe.Path);
        var watch = Stopwatch.StartNew();
        await SubmitAsync(slow, Backlog);
        var submitSeconds = watch.Elapsed.TotalSeconds;
        var after = await ManagedHeapAsync(probe.Path);

        var perCall = (after - before) / (double)Backlog;
        Console.WriteLine($"backlog: {Backlog} calls submitted in {submitSeconds:F1} s; managed heap {before / 1e6:F1} -> {after / 1e6:F1} MB, {perCall:F0} bytes per queued call");
        Assert.True(perCall <= MostBytesPerCall, $"{perCall:F0} bytes per queued call (heap {before} -> {after})");

        // Another socket's call, and a listing, meanwhile.
        watch.Restart();
        var quick = await client.Cluster.GetGrain<ISocketGrain>("quick").RunAsync(new CallRequest { Socket = "quick", Args = "[]" }, TimeSpan.FromSeconds(20));
        Assert.Equal(CallState.Succeeded, quick.State);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"a call on another socket took {watch.Elapsed}");
        var listed = await cli.OkAsync("ls", "calls", "-s", "slow", "--limit", "5", "--json");
        Assert.Equal(5, System.Text.Json.JsonDocument.Parse(listed.Stdout).RootElement.GetArrayLength());
    }

    private const int QueuePagerWindow = 1024;

    private static async Task SubmitAsync(ISocketGrain socket, int calls)
    {
        using var slots = new SemaphoreSlim(128);
        var submissions = new List<Task>(calls);
        for (var i = 0; i < calls; i++)
        {
            await slots.WaitAsync();
            submissions.Add(OneAsync());
        }

        await Task.WhenAll(submissions);

        async Task OneAsync()
        {
            try
            {
                await socket.RunAsync(new CallRequest { Socket = "slow", Args = "[600]" }, TimeSpan.Zero);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    // The silo's managed heap after a full, compacting collection (see the silo's HeapProbe).
    private static async Task<long> ManagedHeapAsync(string folder)
    {
        var heap = Path.Combine(folder, "heap");
        File.Delete(heap);
        await File.WriteAllTextAsync(Path.Combine(folder, "request"), "");
        await Poll.UntilAsync(() => File.Exists(heap), TimeSpan.FromSeconds(30), "the silo's heap probe");
        return long.Parse(await File.ReadAllTextAsync(heap), System.Globalization.CultureInfo.InvariantCulture);
    }
}
