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
            var ticks = 0L;
            while (ReadTicks(pid) is { } now)
            {
                ticks = now;
                await Task.Delay(100);
            }

            lock (Writing) File.AppendAllText(file, $"{test}\t{ticks / 100.0:F2}\t{Stopwatch.GetElapsedTime(born).TotalSeconds:F1}\n");
        });
    }

    // utime + stime of /proc/PID/stat, in clock ticks (100 a second here); null once the process is gone.
    private static long? ReadTicks(int pid)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ');
            return long.Parse(fields[12]) + long.Parse(fields[13]);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
