using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One processor, keyed by its name: its definition, and its deployment: the commit its branch or pin
/// resolves to, checked out with its Python environment built and its module importable.
/// </summary>
public interface IProcessorGrain : IDefinitionOwner<ProcessorSpec>
{
    /// <summary>
    /// The current deployment, once it is ready or has failed (a deployment in progress is awaited).
    /// <paramref name="subscriber"/>, a socket, is told of later changes. Throws <see cref="NotFoundException"/>
    /// when the processor does not exist.
    /// </summary>
    [AlwaysInterleave] Task<ProcessorDeployment> GetDeploymentAsync(string? subscriber = null);

    /// <summary>Resolves the branch again (new commits pushed) and deploys what it points to now.</summary>
    Task<ProcessorDeployment> RedeployAsync();

    /// <summary>Activates the processor so it deploys (or reports) its code; sent by the registry when it starts.</summary>
    [OneWay] Task WakeAsync();
}
