using Orleans.Concurrency;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Calls;

/// <summary>Answers listings of calls from the calls table, on the silo the request reaches (see <see cref="ICallListingGrain"/>).</summary>
[StatelessWorker]
public sealed class CallListingGrain(CallStore calls) : Grain, ICallListingGrain
{
    /// <inheritdoc />
    public async Task<CallInfo[]> ListAsync(CallQuery query)
    {
        if (query.Limit is < 1 or > CallQuery.MaxLimit) throw new InvalidSpecException($"--limit must be between 1 and {CallQuery.MaxLimit}");
        if (query.Socket is { } socket) ModelRules.Name("socket", socket);
        return [.. await calls.QueryAsync(query)];
    }

    /// <inheritdoc />
    public async Task<CallInfo[]> ListWorkflowAsync(Guid workflow) => [.. await calls.ListByWorkflowAsync(workflow)];

    /// <inheritdoc />
    public async Task<FollowPage> FollowAsync(FollowTarget target, long? after, int limit)
    {
        target.Validated();
        if (limit is < 1 or > FollowPage.MaxCalls) throw new InvalidSpecException($"a follower's page must take 1 to {FollowPage.MaxCalls} calls");
        // A follower's first read says at once when there is nothing to follow; later reads go on whatever happens.
        if (after is null)
        {
            if (target.Socket is { } socket) await GrainFactory.GetGrain<IRegistryGrain>(IRegistryGrain.DefaultKey).GetSocketAsync(socket);
            else if (await calls.ReadAsync(target.Run!.Value) is null) throw new NotFoundException("run", target.Run.Value.ToString());
        }

        // Leased before reading: an end committed after this read is rung once the silos have heard of the lease,
        // and one committed before it is in this page or the next.
        await GrainFactory.GetGrain<IFollowLeasesGrain>(0).RenewAsync(target.Key);
        return await calls.ReadEndedAsync(target, after, limit);
    }
}
