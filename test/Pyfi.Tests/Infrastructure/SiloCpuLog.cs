using System.Diagnostics;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// Where the slower tier's CPU goes, by test: with <c>PYFI_SILO_CPU_LOG=FILE</c> set, each silo process the tests start
/// adds a line <c>test, CPU seconds, seconds alive</c> to FILE when it ends (its CPU read from /proc every 100 ms, so
/// the last tenth of a second is missed). Sum by test with
/// <c>awk -F'\t' '{c[$1]+=$2} END {for (k in c) print c[k], k}' FILE | sort -rn</c>. Off unless the variable is set.
/// </summary>
internal static class SiloCpuLog
{
    private static readonly Lock Writing = new();

    /// <summary>
    /// Follows <paramref name="process"/> if the log is on (the test is the outermost Pyfi.Tests frame calling); the
    /// task ends once its line is written, after the process ends.
    /// </summary>
    public static Task Follow(Process process)
    {
        if (Environment.GetEnvironmentVariable("PYFI_SILO_CPU_LOG") is not { Length: > 0 } file) return Task.CompletedTask;
        var test = new StackTrace().GetFrames()
            .Select(frame => frame.GetMethod()?.DeclaringType?.FullName)
            .LastOrDefault(name => name is not null && name.StartsWith("Pyfi.Tests.", StringComparison.Ordinal) && !name.StartsWith("Pyfi.Tests.Infrastructure.", StringComparison.Ordinal)) ?? "?";
        var pid = process.Id;
        var born = Stopwatch.GetTimestamp();
        return Task.Run(async () =>
        {
            var seconds = 0.0;
            while (ProcStatus.CpuSeconds(pid) is { } now)
            {
                seconds = now;
                await Task.Delay(100);
            }

            lock (Writing) File.AppendAllText(file, $"{test}\t{seconds:F2}\t{Stopwatch.GetElapsedTime(born).TotalSeconds:F1}\n");
        });
    }
}
