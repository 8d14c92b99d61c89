using Pyfi.Grains.Model;

namespace Pyfi.Grains.Queues;

/// <summary>What a queue grain persists.</summary>
public sealed class QueueState : IDefinitionState<QueueSpec>
{
    /// <inheritdoc />
    public Definition<QueueSpec>? Definition { get; set; }
}
