using Pyfi.Grains.Model;

namespace Pyfi.Grains.Processors;

/// <summary>What a processor grain persists: its definition and the deployment it resolved, so a restart runs the same commit.</summary>
public sealed class ProcessorState : IDefinitionState<ProcessorSpec>
{
    /// <inheritdoc />
    public Definition<ProcessorSpec>? Definition { get; set; }

    /// <summary>The last finished deployment (ready or failed).</summary>
    public ProcessorDeployment? Deployment { get; set; }
}
