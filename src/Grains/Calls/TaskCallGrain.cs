using Orleans.Concurrency;
using Orleans.Placement;
using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Calls;

/// <summary>
/// One task call as clients see it (see <see cref="ITaskCallGrain"/>). The socket that accepted the call owns
/// it until it ends and writes its row; this grain reads the row, and while the call has not ended asks that
/// socket for it. Keeping calls out of their own activations until someone asks is what lets a socket accept
/// thousands a second: a call costs three row writes (accepted, started, ended), not an activation and grain calls.
/// The socket asked is the partition holding the call, which its id names (see <see cref="SocketPartitions"/>).
/// </summary>
[PreferLocalPlacement]
[Reentrant]
public sealed class TaskCallGrain(CallStore store) : Grain, ITaskCallGrain
{
    /// <inheritdoc />
    public async Task<CallInfo> GetAsync()
    {
        var stored = await ReadAsync();
        if (stored.State.IsFinal()) return Answer(stored);
        var live = await GrainFactory.GetGrain<ISocketGrain>(SocketPartitions.KeyOf(stored)).GetCallAsync(stored.Id);
        return Answer(live ?? await ReadAsync());
    }

    /// <inheritdoc />
    public async Task<CallInfo> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stored = await ReadAsync();
        if (stored.State.IsFinal()) return Answer(stored);
        // The caller's token goes on to the socket: a waiter that leaves takes its wait there with it.
        var live = await GrainFactory.GetGrain<ISocketGrain>(SocketPartitions.KeyOf(stored)).WaitCallAsync(stored.Id, timeout, cancellationToken);
        return Answer(live ?? await ReadAsync());
    }

    /// <inheritdoc />
    public async Task<CallInfo> CancelAsync()
    {
        var stored = await ReadAsync();
        if (stored.State.IsFinal() && stored.State != CallState.Cancelled) throw new CallEndedException(stored.Id, stored.State);
        return Answer(await GrainFactory.GetGrain<ISocketGrain>(SocketPartitions.KeyOf(stored)).CancelAsync(stored.Id));
    }

    private async Task<CallInfo> ReadAsync()
    {
        if (await store.ReadAsync(this.GetPrimaryKey()) is { } stored) return stored;
        DeactivateOnIdle();
        throw new NotFoundException("call", this.GetPrimaryKey().ToString());
    }

    // Nothing is kept between questions: the row and the socket hold the truth.
    private CallInfo Answer(CallInfo call)
    {
        DeactivateOnIdle();
        return call;
    }
}
