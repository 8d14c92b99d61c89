namespace Pyfi.Grains.Follow;

/// <summary>
/// The followed targets' leases (see <see cref="FollowLeasesGrain"/>): each renewed by its follower's reads and let go
/// <see cref="Lease"/> after the last; at most <see cref="MaxTargets"/>, past which a new target is not leased (its
/// follower finds its calls by reading every second instead), so followers cannot make the silos hold unbounded state.
/// </summary>
public sealed class FollowLeases(TimeProvider time)
{
    /// <summary>How long a lease holds after its follower's last read (a follower reads at least every 20 s).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    /// <summary>Most targets leased at once.</summary>
    public const int MaxTargets = 10_000;

    private readonly Dictionary<string, DateTimeOffset> _leases = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="key"/> followed for <see cref="Lease"/> more; <see langword="false"/> when it is not (the most targets are leased).</summary>
    public bool Renew(string key)
    {
        var now = time.GetUtcNow();
        if (_leases.Count >= MaxTargets && !_leases.ContainsKey(key)) Prune(now);
        if (_leases.Count >= MaxTargets && !_leases.ContainsKey(key)) return false;
        _leases[key] = now + Lease;
        return true;
    }

    /// <summary>The targets whose lease holds.</summary>
    public string[] Followed()
    {
        Prune(time.GetUtcNow());
        return [.. _leases.Keys];
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, until) in _leases)
        {
            if (until <= now) _leases.Remove(key);
        }
    }
}
