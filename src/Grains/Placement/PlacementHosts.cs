namespace Pyfi.Grains.Placement;

/// <summary>
/// The request-context entry a socket sets on the calls that may activate its workers: the hosts (comma-separated)
/// its processor may run on, so the placement director and the worker pick and check a silo on one of them.
/// </summary>
public static class PlacementHosts
{
    /// <summary>The request-context key.</summary>
    public const string Key = "pyfi.hosts";

    /// <summary>The hosts the current request names (empty for any).</summary>
    public static string Current => RequestContext.Get(Key) as string ?? "";

    /// <summary>Whether <paramref name="host"/> is one of <paramref name="hosts"/> (comma-separated; empty allows any).</summary>
    public static bool Allows(string hosts, string host) =>
        string.IsNullOrEmpty(hosts) || hosts.Split(',').Contains(host, StringComparer.OrdinalIgnoreCase);
}
