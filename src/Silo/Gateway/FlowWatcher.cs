using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Pyfi.Protocol;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// <c>flow.watch</c> for gateway clients (the <c>pyfi</c> tool has no Orleans client): a long poll answered
/// from the workflow's progress stream, so the tool hears of a step as the workflow pushes it.
/// </summary>
public sealed class FlowWatcher(IGrainFactory grains, IServiceProvider services)
{
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(20);

    /// <summary>The workflow's progress once it differs from <paramref name="seen"/>, or as it is after 20 s.</summary>
    public async Task<FlowProgress> NextAsync(FlowWatchArgs seen, CancellationToken cancellationToken)
    {
        var flow = grains.GetGrain<IWorkflowGrain>(seen.Id);
        // A watcher's first question (nothing seen yet) is answered with where the workflow is now, at once: a
        // subscription costs a write of the stream's subscribers, slow while thousands of steps are being stored.
        if (seen.Done < 0) return await flow.GetProgressAsync();
        var stream = services.GetRequiredKeyedService<IStreamProvider>(FlowStreams.Provider)
            .GetStream<FlowProgress>(StreamId.Create(FlowStreams.Namespace, seen.Id));
        var next = new TaskCompletionSource<FlowProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await stream.SubscribeAsync((progress, _) =>
        {
            if (Differs(progress, seen)) next.TrySetResult(progress);
            return Task.CompletedTask;
        });
        try
        {
            // Asked after subscribing, so a change between the two is not missed.
            var now = await flow.GetProgressAsync();
            if (Differs(now, seen)) return now;
            try
            {
                return await next.Task.WaitAsync(Slice, cancellationToken);
            }
            catch (TimeoutException)
            {
                return await flow.GetProgressAsync();
            }
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    private static bool Differs(FlowProgress progress, FlowWatchArgs seen) => progress.Done != seen.Done || progress.State != seen.State;
}
