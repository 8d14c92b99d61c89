using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One socket, keyed by its name: its definition, its queue of calls (kept in SQL through the calls it
/// accepted), and the dispatch of those calls to its worker slots.
/// </summary>
public interface ISocketGrain : IDefinitionOwner<SocketSpec>
{
    /// <summary>
    /// Accepts a call: it is stored in SQL before this returns anything. Then waits up to <paramref name="wait"/>
    /// (at most 25 s) for it to end, and returns the call as it is then. Throws <see cref="NotFoundException"/>
    /// for a socket that does not exist and <see cref="InvalidSpecException"/> for malformed arguments.
    /// </summary>
    [AlwaysInterleave] Task<CallInfo> RunAsync(CallRequest request, TimeSpan wait);

    /// <summary>The processor's deployment changed: new calls run the new code.</summary>
    [OneWay] Task DeploymentChangedAsync(ProcessorDeployment deployment);
}
