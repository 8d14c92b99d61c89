namespace Pyfi.Grains.Follow;

/// <summary>Who is following what (see <see cref="IFollowLeasesGrain"/> and <see cref="FollowLeases"/>); memory only.</summary>
public sealed class FollowLeasesGrain(TimeProvider time) : Grain, IFollowLeasesGrain
{
    private readonly FollowLeases _leases = new(time);

    /// <inheritdoc />
    public Task RenewAsync(string key)
    {
        _leases.Renew(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string[]> ListAsync() => Task.FromResult(_leases.Followed());
}
