using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Pyfi.Bench;

/// <summary>
/// What a silo allocated while a trace ran (dotnet-trace's gc-verbose profile: the runtime reports an allocation
/// tick, with its type and stack, about every 100 KB allocated), per call: by type, and by site (the allocating
/// method and the first Pyfi method on its stack). The ticks are samples, so small sites are rough; the total is
/// close to what the GC counted. See bench/allocs.sh.
/// </summary>
public static class AllocsReport
{
    /// <summary>Prints bytes per call in all, then the <paramref name="top"/> types and sites.</summary>
    public static int Run(string trace, int calls, int top)
    {
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(trace));
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var bySite = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var traced in log.Events)
        {
            if (traced is not GCAllocationTickTraceData tick) continue;
            var amount = tick.AllocationAmount64;
            var type = tick.TypeName ?? "?";
            total += amount;
            byType[type] = byType.GetValueOrDefault(type) + amount;
            var frames = Frames(tick.CallStack()).ToList();
            var pyfi = frames.FirstOrDefault(f => f.StartsWith("Pyfi.", StringComparison.Ordinal)) ?? "-";
            var site = $"{type} in {frames.FirstOrDefault() ?? "?"} (Pyfi: {pyfi})";
            bySite[site] = bySite.GetValueOrDefault(site) + amount;
        }

        double perCall = Math.Max(1, calls);
        Console.WriteLine($"allocated {total / 1e6:F1} MB over {calls} calls: {total / perCall:F0} bytes a call");
        Console.WriteLine("bytes a call, by type:");
        foreach (var (type, bytes) in byType.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{bytes / perCall,8:F0}  {type}");
        Console.WriteLine("bytes a call, by site:");
        foreach (var (site, bytes) in bySite.OrderByDescending(p => p.Value).Take(top)) Console.WriteLine($"{bytes / perCall,8:F0}  {site}");
        return 0;
    }

    // The stack's method names, innermost first, each cut to a readable length.
    private static IEnumerable<string> Frames(TraceCallStack? stack)
    {
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name)) continue;
            yield return name.Length > 120 ? name[..120] : name;
        }
    }
}
