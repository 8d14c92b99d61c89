namespace Pyfi.Grains.Runtimes;

/// <summary>The runtimes this host has, by <see cref="ProcessorRuntime"/>.</summary>
public sealed class WorkerRuntimes(IEnumerable<IWorkerRuntime> runtimes)
{
    private readonly Dictionary<ProcessorRuntime, IWorkerRuntime> _byRuntime = runtimes.ToDictionary(r => r.Runtime);

    /// <summary>The runtime that runs <paramref name="runtime"/>'s processors.</summary>
    public IWorkerRuntime For(ProcessorRuntime runtime) =>
        _byRuntime.TryGetValue(runtime, out var found) ? found : throw new Code.DeploymentException($"this host cannot run {runtime.ToString().ToLowerInvariant()} processors");
}
