namespace Pyfi.Silo.Gateway;

/// <summary>The process's file descriptor limit, which every connection the silo holds counts against.</summary>
public static class FileDescriptors
{
    /// <summary>Descriptors the silo needs besides its ports' connections: SQLite, Python workers' pipes, git, logs.</summary>
    public const int Reserve = 1024;

    /// <summary>The soft limit on open files (<c>ulimit -n</c>), or <see langword="null"/> where it cannot be read (not Linux).</summary>
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

    /// <summary>Descriptors the connection limits allow on the gateway, Orleans gateway and silo ports together.</summary>
    public static long Needed(int maxConnectionsPerPort) => 3L * maxConnectionsPerPort + Reserve;
}
