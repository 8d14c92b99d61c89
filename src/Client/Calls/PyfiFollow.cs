using System.Runtime.CompilerServices;
using Orleans.Streams;

namespace Pyfi.Client.Calls;

/// <summary>
/// Follows the calls that end on a socket, or in a run (see <see cref="PyfiClient.FollowAsync(FollowTarget, long?, CancellationToken)"/>):
/// pages read from the database after a cursor (<see cref="FollowCursor"/>), woken by the target's Orleans stream and at
/// least every <see cref="Poll"/> in case a ring was lost. The cursor is this client's: when a silo or the client's
/// gateway goes away, reading goes on from it once the network answers, so nothing ended meanwhile is skipped and
/// nothing is given twice.
/// </summary>
internal sealed class PyfiFollow(IClusterClient cluster, PyfiRetry retry, TimeProvider time)
{
    /// <summary>How often the database is read while no ring comes.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    // A subscription lives in the pub-sub of the silos that were up when it was made; it is made again this often,
    // so a follower rung by nothing after a silo's restart is rung again within it (it reads each second meanwhile).
    private static readonly TimeSpan Resubscribe = TimeSpan.FromSeconds(30);

    public async IAsyncEnumerable<CallInfo> RunAsync(FollowTarget target, long? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        target.Validated();
        var listing = cluster.GetGrain<ICallListingGrain>(0);
        // The first read says whether there is anything to follow, and where "now" is.
        var first = await retry.RunAsync(token => listing.FollowAsync(target, null, FollowPage.MaxCalls).WaitAsync(token), cancellationToken);
        var cursor = new FollowCursor(after ?? first.Cursor);
        var bell = new Doorbell();
        StreamSubscriptionHandle<FollowBell>? subscription = null;
        long subscribed = 0;
        try
        {
            while (true)
            {
                if (subscription is null || time.GetElapsedTime(subscribed) > Resubscribe)
                {
                    await DropAsync(subscription);
                    subscription = await SubscribeAsync(target, bell);
                    subscribed = time.GetTimestamp();
                }

                var page = await ReadAsync(listing, target, cursor.After, cancellationToken);
                if (page is null)
                {
                    // The network did not answer for all of the retry's patience: go on trying, from the same cursor.
                    subscription = null;
                    continue;
                }

                foreach (var (call, _) in cursor.Take(page)) yield return call;
                if (page.Calls.Length == 0) await bell.WaitAsync(Poll, time, cancellationToken);
            }
        }
        finally
        {
            await DropAsync(subscription);
        }
    }

    private async Task<FollowPage?> ReadAsync(ICallListingGrain listing, FollowTarget target, long? after, CancellationToken cancellationToken)
    {
        try
        {
            return await retry.RunAsync(token => listing.FollowAsync(target, after, FollowPage.MaxCalls).WaitAsync(token), cancellationToken);
        }
        catch (UnavailableException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    // Best effort: without a subscription the follower reads each second.
    private async Task<StreamSubscriptionHandle<FollowBell>?> SubscribeAsync(FollowTarget target, Doorbell bell)
    {
        try
        {
            return await cluster.GetStreamProvider(FollowStreams.Provider)
                .GetStream<FollowBell>(StreamId.Create(FollowStreams.Namespace, target.Key))
                .SubscribeAsync((_, _) =>
                {
                    bell.Ring();
                    return Task.CompletedTask;
                });
        }
        catch (Exception e) when (PyfiRetry.IsTransient(e) || e is OrleansException)
        {
            return null;
        }
    }

    private static async Task DropAsync(StreamSubscriptionHandle<FollowBell>? subscription)
    {
        try
        {
            if (subscription is not null) await subscription.UnsubscribeAsync();
        }
        catch (Exception e) when (PyfiRetry.IsTransient(e) || e is OrleansException)
        {
            // It lived on a silo that is gone.
        }
    }
}
