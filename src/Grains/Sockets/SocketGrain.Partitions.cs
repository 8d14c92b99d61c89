using Microsoft.Extensions.Logging;

namespace Pyfi.Grains.Sockets;

// A partitioned socket (see SocketPartitions): the socket's own grain (partition 0, keyed by its name) is where its
// definition and plugs arrive and where callers send submissions; it sends each on to the partition it goes to, and
// passes its definition and plugs to the others (keyed name@p), each a socket grain with its own queue, slots and
// writes. A call's id says its partition, so a question about a call asked of the wrong partition is passed on once.
// With --partitions auto the own grain counts the silos offering cores every AutoLook and grows the socket to one
// partition per silo (never fewer: a partition's calls are its own until they end).
public sealed partial class SocketGrain
{
    private (string Socket, int Partition)? _key;
    private uint _turn;

    // How many partitions a removal of the socket removes (its definition is gone by then): as many as it had.
    private int _removedPartitions;

    // The socket this grain is a partition of, and which partition (0: the socket's own grain).
    private string SocketName => (_key ??= SocketPartitions.Parse(Name)).Socket;

    private int Partition => (_key ??= SocketPartitions.Parse(Name)).Partition;

    // How often the own grain of an auto-partitioned socket counts the silos offering cores.
    private static readonly TimeSpan AutoLook = TimeSpan.FromSeconds(10);

    private IGrainTimer? _autoLook;

    // How many partitions the socket has now: its definition's number, or with auto what it has grown to.
    private int Partitions => Definition?.Spec is not { } spec ? 1
        : spec.Partitions != SocketSpec.AutoPartitions ? spec.Partitions
        : Math.Max(1, State.State.AutoPartitions);

    // This partition's share of what the socket's definition gives the whole socket.
    private int SlotCount(SocketSpec spec) => SocketPartitions.Share(spec.Concurrency, Partitions, Partition);

    private int QueueBound(SocketSpec spec) => Math.Max(1, SocketPartitions.Share(spec.MaxQueued, Partitions, Partition));

    // The partition a submission made to the socket's own grain goes to (null: this one): by its key, so a submission
    // sent again meets its first call; in turn when it has none.
    private ISocketGrain? PartitionFor(CallRequest request)
    {
        if (Partition != 0 || Partitions <= 1) return null;
        var partition = request.Key is { } key ? SocketPartitions.ForKey(key, Partitions) : (int)(_turn++ % (uint)Partitions);
        return partition == 0 ? null : GrainFactory.GetGrain<ISocketGrain>(SocketPartitions.Key(SocketName, partition));
    }

    // The partition holding call `id` when it is not this one.
    private ISocketGrain? HolderOf(Guid id)
    {
        var key = SocketPartitions.KeyOf(SocketName, id);
        return key == Name ? null : GrainFactory.GetGrain<ISocketGrain>(key);
    }

    /// <inheritdoc />
    public Task<SocketPartitionSetup> GetPartitionSetupAsync() => Task.FromResult(new SocketPartitionSetup(Definition, State.State.Plugs, Partitions));

    /// <inheritdoc />
    public Task<int> GetPartitionsAsync() =>
        Definition is null ? throw new NotFoundException("socket", SocketName) : Task.FromResult(Partitions);

    /// <inheritdoc />
    public async Task ResizeAsync(int partitions)
    {
        if (Partition == 0 || partitions <= State.State.AutoPartitions) return;
        State.State.AutoPartitions = partitions;
        await WriteStateAsync();
        if (Definition is not { } definition) return;
        _slots.Resize(SlotCount(definition.Spec));
        Pump();
    }

    // The own grain of an auto-partitioned socket looks at the silos now and then (and stops when it is not auto).
    private void WatchSilos()
    {
        if (Partition == 0 && Definition?.Spec.Partitions == SocketSpec.AutoPartitions)
        {
            _autoLook ??= this.RegisterGrainTimer(GrowAsync, new GrainTimerCreationOptions(TimeSpan.Zero, AutoLook) { Interleave = true });
            return;
        }

        _autoLook?.Dispose();
        _autoLook = null;
    }

    // One partition per silo offering cores, at most the socket's concurrency (each partition needs a slot) and
    // SocketPartitions.Max; grown only.
    private async Task GrowAsync(CancellationToken cancellationToken)
    {
        if (Definition?.Spec is not { Partitions: SocketSpec.AutoPartitions } spec) return;
        var agents = await GrainFactory.GetGrain<ISlotLedgerGrain>(0).GetAgentsAsync();
        var target = Math.Min(Math.Max(1, agents.Count(a => a.Cores > 0)), Math.Min(SocketPartitions.Max, Math.Min(spec.Concurrency, spec.MaxQueued)));
        if (target <= Partitions) return;
        State.State.AutoPartitions = target;
        await WriteStateAsync();
        LogGrown(target);
        _slots.Resize(SlotCount(spec));
        Pump();
        await ShareWithPartitionsAsync(target, partition => partition.ResizeAsync(target));
    }

    // A partition takes the socket's definition and plugs from the socket's own grain as it activates (a change made
    // while it was not active is pushed to it then); one that is not a partition of its socket any more (or never
    // was: name@99, name@01) has none, and refuses calls as an unknown socket would.
    private async Task TakeDefinitionAsync()
    {
        if (Partition == 0) return;
        var setup = await GrainFactory.GetGrain<ISocketGrain>(SocketName).GetPartitionSetupAsync();
        if (setup.Definition is not { } definition || SocketPartitions.Key(SocketName, Partition) != Name || Partition >= setup.Partitions)
        {
            State.State.Definition = null;
            return;
        }

        if (Definition is not { } mine || mine.Stamp.Revision < definition.Stamp.Revision) State.State.Definition = definition;
        State.State.AutoPartitions = Math.Max(State.State.AutoPartitions, setup.Partitions);
        if (setup.Plugs is { } plugs && (State.State.Plugs is not { } current || current.Revision < plugs.Revision)) State.State.Plugs = plugs;
    }

    // The socket's own grain passes a change on to each of its other partitions (activating them: they are placed
    // then, apart where they can be). One not reached now takes the change from here when it next activates.
    private async Task ShareWithPartitionsAsync(int partitions, Func<ISocketGrain, Task> change)
    {
        if (Partition != 0 || partitions <= 1) return;
        _removedPartitions = Math.Max(_removedPartitions, partitions);
        await Task.WhenAll(Enumerable.Range(1, partitions - 1).Select(async partition =>
        {
            try
            {
                await change(GrainFactory.GetGrain<ISocketGrain>(SocketPartitions.Key(SocketName, partition)));
            }
            catch (Exception e)
            {
                LogPartitionUnreached(partition, e.Message.Split('\n')[0]);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grown to {Partitions} partitions, one per silo offering cores")]
    private partial void LogGrown(int partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} could not be told of a change ({Reason}); it takes it when it next activates")]
    private partial void LogPartitionUnreached(int partition, string reason);
}
