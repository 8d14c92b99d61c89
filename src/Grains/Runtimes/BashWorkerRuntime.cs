using System.Globalization;
using Pyfi.Grains.Code;
using Pyfi.Grains.Python;

namespace Pyfi.Grains.Runtimes;

/// <summary>
/// bash: a function is an executable script in the processor's folder. A long-lived supervisor
/// (<c>pyfi_worker.py --scripts</c>) speaks the protocol and runs each call's script as its child, in its process group
/// and under its limits, so the time limit's kill, the limits and the clean-up of what a call leaves behind are the
/// Python worker's own.
/// </summary>
public sealed class BashWorkerRuntime(PythonRuntime python) : IWorkerRuntime
{
    /// <inheritdoc />
    public ProcessorRuntime Runtime => ProcessorRuntime.Bash;

    /// <inheritdoc />
    public async Task<WorkerLaunch> LaunchAsync(CodeEnvironment environment, string module, WorkerLimits limits, CancellationToken cancellationToken)
    {
        var folder = ModuleFiles.InCheckout(environment, module);
        if (folder is null || !Directory.Exists(folder))
            throw new DeploymentException($"folder '{module}' is not a folder of the repository at commit {ModuleFiles.ShortCommit(environment)}");
        var interpreter = await python.InterpreterAsync(cancellationToken);
        return new WorkerLaunch(interpreter,
            [
                "-I", "-B", "-u", "-X", "utf8", python.WorkerScript, "--scripts", folder, environment.CheckoutPath,
                limits.MemoryBytes.ToString(CultureInfo.InvariantCulture), limits.MaxPayloadBytes.ToString(CultureInfo.InvariantCulture), WorkerErrors.ForWorker,
            ],
            environment.CheckoutPath, $"folder '{module}' cannot be used");
    }
}
