namespace Pyfi.Grains.Follow;

/// <summary>
/// Who is following what (see <see cref="IFollowLeasesGrain"/>): a lease per followed target, renewed by each of its
/// follower's reads and let go <see cref="Lease"/> after the last, so a follower that vanished costs the silos nothing
/// after that. At most <see cref="MaxTargets"/> targets: past them a new one is not rung, and its follower finds its
/// calls by reading every second instead.
/// </summary>
public sealed class FollowLeasesGrain(TimeProvider time) : Grain, IFollowLeasesGrain
{
    /// <summary>How long a lease holds after its follower's last read (a long poll reads at least every 20 s).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    /// <summary>Most targets rung at once.</summary>
    public const int MaxTargets = 10_000;

    private readonly Dictionary<string, DateTimeOffset> _leases = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task RenewAsync(string key)
    {
        var now = time.GetUtcNow();
        if (_leases.Count >= MaxTargets && !_leases.ContainsKey(key)) Prune(now);
        if (_leases.Count < MaxTargets || _leases.ContainsKey(key)) _leases[key] = now + Lease;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string[]> ListAsync()
    {
        Prune(time.GetUtcNow());
        return Task.FromResult(_leases.Keys.ToArray());
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, until) in _leases)
        {
            if (until <= now) _leases.Remove(key);
        }
    }
}
