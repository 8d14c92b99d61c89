using Pyfi.Grains.Model;
using Pyfi.Grains.Storage;

namespace Pyfi.Grains.Queues;

/// <summary>One queue (see <see cref="IQueueGrain"/>).</summary>
public sealed class QueueGrain([PersistentState("queue", StorageNames.Model)] IPersistentState<QueueState> state)
    : DefinitionGrain<QueueSpec, QueueState>(state), IQueueGrain;
