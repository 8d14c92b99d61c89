namespace Pyfi.Tests.Infrastructure;

/// <summary>The Python worker processes of one silo, found by their command line naming its data folder.</summary>
public static class PythonProcesses
{
    /// <summary>Process ids of the Python workers whose command line names <paramref name="dataPath"/>.</summary>
    public static IReadOnlyList<int> Of(string dataPath) =>
    [
        .. Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Where(d => CommandLine(d) is var line && line.Contains("pyfi_worker", StringComparison.Ordinal) && line.Contains(dataPath, StringComparison.Ordinal))
            .Select(d => int.Parse(Path.GetFileName(d))),
    ];

    private static string CommandLine(string procDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDirectory, "cmdline")).Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}

/// <summary>Processes by id, as /proc shows them.</summary>
public static class Processes
{
    /// <summary>Whether process <paramref name="pid"/> exists and has not ended (a zombie waiting to be reaped has).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>Waiting for something a test cannot be told about.</summary>
public static class Poll
{
    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout} for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds (see <see cref="UntilAsync(Func{bool}, TimeSpan, string)"/>), asked
    /// every 100 ms, or after as long as the last ask took when that is longer: a condition that runs the pyfi tool
    /// runs it at most half the time, not back to back (a tight loop of processes loads a busy host).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var asked = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout} for {what}");
            await Task.Delay(asked.Elapsed > TimeSpan.FromMilliseconds(100) ? asked.Elapsed : TimeSpan.FromMilliseconds(100));
            asked.Restart();
        }
    }
}
