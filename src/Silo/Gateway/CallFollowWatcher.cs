using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Protocol;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// <c>call.follow</c> for gateway clients (the <c>pyfi</c> tool has no Orleans client): a long poll. A page of ended
/// calls after the client's cursor is answered at once; with none, the target's stream is subscribed and the database
/// read again (after subscribing, so an end between the two is not missed) on each ring, and at least every second
/// in case a ring was lost, until some have ended or <see cref="Slice"/> has passed. What the poll holds is bounded:
/// one subscription and one page for at most <see cref="Slice"/>; the connection's own limits are the gateway's.
/// </summary>
public sealed class CallFollowWatcher(IGrainFactory grains, IServiceProvider services, TimeProvider time)
{
    /// <summary>The longest a poll waits before it answers with an empty page.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromSeconds(20);

    /// <summary>How often the database is read while no ring comes (a ring lost with a silo, a follower not yet leased).</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>The calls that ended after the arguments' cursor, once there are some, or an empty page after <see cref="Slice"/>.</summary>
    public async Task<FollowPage> NextAsync(FollowArgs args, CancellationToken cancellationToken)
    {
        var target = args.ToTarget();
        var listing = grains.GetGrain<ICallListingGrain>(0);
        var page = await listing.FollowAsync(target, args.After, args.Limit);
        if (page.Calls.Length > 0 || args.After is null) return page;

        var bell = new Doorbell();
        var subscription = await SubscribeAsync(target, bell);
        try
        {
            var started = time.GetTimestamp();
            while (true)
            {
                page = await listing.FollowAsync(target, page.Cursor, args.Limit);
                var left = Slice - time.GetElapsedTime(started);
                if (page.Calls.Length > 0 || left <= TimeSpan.Zero) return page;
                await bell.WaitAsync(left < Poll ? left : Poll, time, cancellationToken);
            }
        }
        finally
        {
            await DropAsync(subscription);
        }
    }

    // Best effort: without a subscription (the cluster is changing) the poll reads each second.
    private async Task<StreamSubscriptionHandle<FollowBell>?> SubscribeAsync(FollowTarget target, Doorbell bell)
    {
        try
        {
            return await services.GetRequiredKeyedService<IStreamProvider>(FollowStreams.Provider)
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
