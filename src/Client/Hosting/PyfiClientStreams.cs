namespace Pyfi.Client.Hosting;

/// <summary>The stream providers a Pyfi client subscribes through, shaped as the silos' are.</summary>
internal static class PyfiClientStreams
{
    /// <summary>Workflow progress and call follows, with the silos' queue counts (a stream's queue is its id's hash over them).</summary>
    public static IClientBuilder AddPyfiStreams(this IClientBuilder client) => client
        .AddMemoryStreams(FlowStreams.Provider, streams => streams.ConfigurePartitioning(FlowStreams.Queues))
        .AddMemoryStreams(FollowStreams.Provider, streams => streams.ConfigurePartitioning(FollowStreams.Queues));
}
