using Microsoft.Extensions.Hosting;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// A test hook, on only when <c>PYFI_TEST_HEAP_PROBE</c> names a folder: when a file <c>request</c> appears there, the
/// silo collects garbage fully (compacting) and writes the managed heap's size in bytes to <c>heap</c>. Tests measure
/// what the silo keeps per queued call with it: a managed heap after a full collection is steady where the process's
/// resident memory is not (the GC keeps freed segments, SQLite its page cache).
/// </summary>
internal sealed class HeapProbe(string folder) : BackgroundService
{
    /// <summary>The environment variable that turns the probe on.</summary>
    public const string Variable = "PYFI_TEST_HEAP_PROBE";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var request = Path.Combine(folder, "request");
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await tick.WaitForNextTickAsync(stoppingToken))
        {
            if (!File.Exists(request)) continue;
            File.Delete(request);
            for (var i = 0; i < 2; i++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            var written = Path.Combine(folder, "heap.tmp");
            await File.WriteAllTextAsync(written, GC.GetTotalMemory(forceFullCollection: false).ToString(System.Globalization.CultureInfo.InvariantCulture), stoppingToken);
            File.Move(written, Path.Combine(folder, "heap"), overwrite: true);
        }
    }
}
