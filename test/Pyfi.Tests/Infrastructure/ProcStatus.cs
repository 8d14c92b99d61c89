namespace Pyfi.Tests.Infrastructure;

/// <summary>What Linux says about a process: its resident memory and its open files.</summary>
public static class ProcStatus
{
    /// <summary>Resident memory (<c>VmRSS</c> in <c>/proc/PID/status</c>), in bytes.</summary>
    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
    }

    /// <summary>CPU spent so far (utime + stime of <c>/proc/PID/stat</c>, in its 100 ticks a second), or null once the process is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>File descriptors open now (entries of <c>/proc/PID/fd</c>).</summary>
    public static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>The files process <paramref name="pid"/> may open (its soft limit, "Max open files" in /proc/PID/limits).</summary>
    public static long OpenFilesLimit(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))["Max open files".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
}
