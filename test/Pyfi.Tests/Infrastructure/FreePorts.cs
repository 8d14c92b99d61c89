using System.Net;
using System.Net.Sockets;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// Loopback ports nothing listens on, for silos the tests start. They are taken below the kernel's ephemeral range
/// (<c>ip_local_port_range</c>): a port from that range may become the local end of some client's connection between
/// the moment it was found free and the moment a silo binds it (the suite opens tens of thousands of connections
/// in its attack tests), and the silo then cannot bind it. A port is not handed out twice by one test process.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = [];
    private static readonly (int Low, int High) Range = Outside(EphemeralRange());

    /// <summary><paramref name="count"/> distinct free ports.</summary>
    public static int[] Take(int count)
    {
        var ports = new List<int>();
        lock (Given)
        {
            for (var tries = 0; ports.Count < count; tries++)
            {
                if (tries > 10_000) throw new InvalidOperationException($"no free port between {Range.Low} and {Range.High}");
                var port = Random.Shared.Next(Range.Low, Range.High);
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Ports clients' connections are given by the kernel.
    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0]), int.Parse(parts[1]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32768, 60999);
        }
    }

    // The larger stretch of registered ports (1024–65535) outside the ephemeral range.
    private static (int Low, int High) Outside((int Low, int High) ephemeral)
    {
        var below = (Low: 10_000, High: Math.Min(ephemeral.Low, 65_536));
        var above = (Low: Math.Max(ephemeral.High + 1, 10_000), High: 65_536);
        return below.High - below.Low >= above.High - above.Low ? below : above;
    }
}
