using Pyfi.Grains.Code;
using Pyfi.Grains.Python;

namespace Pyfi.Grains.Runtimes;

/// <summary>
/// What differs between runtimes (python, node, bash), and only that: where a processor's module is in its
/// checkout, and the command that starts a worker for it. Everything else (the JSON-lines protocol, the pipes, the
/// time limit and its kill, the pool of warm workers, slots, retries) is one implementation for all:
/// <see cref="PythonWorker"/> and <see cref="PythonWorkerPool"/>.
/// </summary>
public interface IWorkerRuntime
{
    /// <summary>The runtime this starts workers for.</summary>
    ProcessorRuntime Runtime { get; }

    /// <summary>
    /// The command that starts a worker for <paramref name="module"/> in <paramref name="environment"/> under
    /// <paramref name="limits"/>; throws <see cref="DeploymentException"/> when the module is not in the checkout.
    /// </summary>
    Task<WorkerLaunch> LaunchAsync(CodeEnvironment environment, string module, WorkerLimits limits, CancellationToken cancellationToken);
}
