using System.Runtime.InteropServices;

namespace Pyfi.Grains.Python;

/// <summary>
/// Kills a Python worker with everything it started, read from <c>/proc</c>. A worker leads a process group of
/// its own (it calls <c>setpgid</c>) and is the subreaper of its descendants, so while it lives everything it
/// started is below it by parent links, however it was started (<c>setsid</c>, double fork); after it died,
/// what it left behind is found by its process group (a process that also left the group is out of reach: the
/// worker's own clean-up, at each call's end and when it exits, is what catches those).
/// </summary>
internal static partial class ProcessTree
{
    // Linux's numbers (x86, ARM); this is only used on Linux.
    private const int SigKill = 9;
    private const int SigStop = 19;

    /// <summary>
    /// Stops <paramref name="root"/> (a live worker) and every process below it or in its process group, so none
    /// can fork away meanwhile, then kills them all.
    /// </summary>
    public static void Kill(int root)
    {
        if (!OperatingSystem.IsLinux())
        {
            KillPortably(root);
            return;
        }

        _ = SendSignal(root, SigStop);
        var stopped = StopAll(root);
        _ = SendSignal(root, SigKill);
        foreach (var pid in stopped) _ = SendSignal(pid, SigKill);
    }

    /// <summary>
    /// Kills what an ended worker <paramref name="root"/> left running in its process group (and below those).
    /// Does nothing when a process with its id exists again: the id was reused, so its group may be someone else's.
    /// </summary>
    public static void KillOrphans(int root)
    {
        if (!OperatingSystem.IsLinux() || root <= 0 || Directory.Exists($"/proc/{root}")) return;
        foreach (var pid in StopAll(root)) _ = SendSignal(pid, SigKill);
    }

    // Stops what is below root or in its process group until a scan finds nothing new; returns what it stopped.
    private static HashSet<int> StopAll(int root)
    {
        var stopped = new HashSet<int>();
        for (var round = 0; round < 20; round++)
        {
            var found = Below(root).Where(stopped.Add).ToList();
            if (found.Count == 0) break;
            foreach (var pid in found) _ = SendSignal(pid, SigStop);
        }

        return stopped;
    }

    // Processes whose parent chain reaches root, or whose process group is root's, and those below them.
    private static List<int> Below(int root)
    {
        var children = new Dictionary<int, List<int>>();
        var todo = new Stack<int>();
        foreach (var (pid, parent, group) in Snapshot())
        {
            if (pid == root) continue;
            if (group == root) todo.Push(pid);
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
            list.Add(pid);
        }

        todo.Push(root);
        var found = new List<int>();
        var seen = new HashSet<int> { root };
        while (todo.TryPop(out var pid))
        {
            if (pid != root && seen.Add(pid)) found.Add(pid);
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                if (!seen.Contains(child)) todo.Push(child);
            }
        }

        return found;
    }

    private static IEnumerable<(int Pid, int Parent, int Group)> Snapshot()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // ended meanwhile
            }

            // "pid (command) state ppid pgrp session …": the command may hold spaces and parentheses.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 5);
            if (fields.Length >= 4 && int.TryParse(fields[1], out var parent) && int.TryParse(fields[2], out var group))
            {
                yield return (pid, parent, group);
            }
        }
    }

    private static void KillPortably(int root)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(root);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
