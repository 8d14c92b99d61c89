using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One processor, keyed by its name: its definition, and its deployment: the commit its branch or pin
/// resolves to, checked out with its Python environment built and its module importable.
/// </summary>
public interface IProcessorGrain : IDefinitionOwner<ProcessorSpec>
{
    /// <summary>
    /// The current deployment, at once: ready, failed, or <see cref="ProcessorStatus.Deploying"/> (a deployment may take
    /// far longer than a grain call may wait). <paramref name="subscriber"/>, a socket, is told of later changes, the
    /// end of a deployment in progress among them. Throws <see cref="NotFoundException"/> when the processor does not exist.
    /// </summary>
    [AlwaysInterleave] Task<ProcessorDeployment> GetDeploymentAsync(string? subscriber = null);

    /// <summary>Resolves the branch again (new commits pushed) and deploys what it points to now; answers at once with the deployment in progress.</summary>
    Task<ProcessorDeployment> RedeployAsync();

    /// <summary>Activates the processor so it deploys (or reports) its code; sent by the registry when it starts.</summary>
    [OneWay] Task WakeAsync();
}
