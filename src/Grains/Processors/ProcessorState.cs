using Pyfi.Grains.Model;

namespace Pyfi.Grains.Processors;

/// <summary>What a processor grain persists.</summary>
public sealed class ProcessorState : IDefinitionState<ProcessorSpec>
{
    /// <inheritdoc />
    public Definition<ProcessorSpec>? Definition { get; set; }
}
