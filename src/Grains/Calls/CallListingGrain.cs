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
}
