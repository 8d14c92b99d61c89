using System.Globalization;
using Pyfi.Grains.Code;
using Pyfi.Grains.Python;

namespace Pyfi.Grains.Runtimes;

/// <summary>Python: <c>pyfi_worker.py</c> in the processor's environment imports the module and calls its functions.</summary>
public sealed class PythonWorkerRuntime(PythonRuntime python) : IWorkerRuntime
{
    /// <inheritdoc />
    public ProcessorRuntime Runtime => ProcessorRuntime.Python;

    /// <inheritdoc />
    public Task<WorkerLaunch> LaunchAsync(CodeEnvironment environment, string module, WorkerLimits limits, CancellationToken cancellationToken)
    {
        ModuleFiles.Find(environment, module);

        // -I: isolated (no PYTHONPATH, no user site-packages, not the script's folder on sys.path); -B: the
        // checkout is never written to.
        return Task.FromResult(new WorkerLaunch(environment.Python,
            [
                "-I", "-B", "-u", "-X", "utf8", python.WorkerScript, module, environment.CheckoutPath,
                limits.MemoryBytes.ToString(CultureInfo.InvariantCulture), limits.MaxPayloadBytes.ToString(CultureInfo.InvariantCulture), WorkerErrors.ForWorker,
            ],
            environment.CheckoutPath, $"module '{module}' cannot be imported"));
    }
}
