namespace Pyfi.Silo.Gateway;

/// <summary>
/// The process's file descriptor limit, which every connection the silo holds counts against. A process that runs
/// out of descriptors is fragile beyond its ports: the runtime itself may need one (to load code, to throw an
/// exception) and die without a word but <c>Out of memory.</c>. So the ports' connection limits are cut to what the
/// limit allows with a share kept for everything else, and connections alone never take the last descriptors.
/// </summary>
public static class FileDescriptors
{
    /// <summary>Descriptors the silo keeps for itself besides its ports' connections (SQLite, Python workers' pipes, git, logs, the runtime), when the limit allows.</summary>
    public const int Reserve = 1024;

    /// <summary>Ports whose connections share the limit: the gateway port, Orleans' gateway and silo ports.</summary>
    public const int Ports = 3;

    /// <summary>The soft limit on open files (<c>ulimit -n</c>; .NET raises it to the hard limit at start), or <see langword="null"/> where it cannot be read (not Linux).</summary>
    public static long? Limit()
    {
        try
        {
            // "Max open files            20000                20000                files"
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return long.TryParse(soft, out var limit) ? limit : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Connections one port may hold in a process that may open <paramref name="limit"/> files: a quarter of the limit,
    /// and at least <see cref="Reserve"/> (or half the limit, if smaller), is kept for the rest of the silo.
    /// </summary>
    public static int PerPort(long limit)
    {
        var kept = Math.Max(limit / 4, Math.Min(Reserve, limit / 2));
        return (int)Math.Clamp((limit - kept) / Ports, 1, int.MaxValue);
    }
}
