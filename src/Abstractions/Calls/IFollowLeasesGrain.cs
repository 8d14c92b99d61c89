using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// Who is following what (key <c>0</c>, silo-internal): each follower's read renews its target's lease, and every silo
/// asks for the followed targets each second, to ring only those as their calls end. Memory only: a lease lost with
/// its silo is renewed by the follower's next read.
/// </summary>
public interface IFollowLeasesGrain : IGrainWithIntegerKey
{
    /// <summary>Keeps <paramref name="key"/> (a <see cref="FollowTarget.Key"/>) followed for a while; beyond the most targets it holds, it is not (its follower still reads each second).</summary>
    [AlwaysInterleave] Task RenewAsync(string key);

    /// <summary>The targets whose lease holds.</summary>
    [AlwaysInterleave] Task<string[]> ListAsync();
}
