using System.Globalization;
using Microsoft.Extensions.Options;
using Pyfi.Grains.Code;
using Pyfi.Grains.Python;

namespace Pyfi.Grains.Runtimes;

/// <summary>
/// Node.js: <c>pyfi_worker.js</c> loads the module (a <c>.js</c>, <c>.mjs</c> or <c>.cjs</c> file, a package folder of the
/// checkout, or a package its <c>package-lock.json</c> installed) and calls its exports. It is started through
/// <c>pyfi_worker.py --launch</c>, which gives it the limits, the process group and the protocol pipe a Python worker
/// sets for itself, then becomes node.
/// </summary>
public sealed class NodeWorkerRuntime(PythonRuntime python, WorkerScripts scripts, IOptions<PyfiRuntimeOptions> options) : IWorkerRuntime
{
    /// <summary>
    /// Address space V8 reserves beside its heap (measured on node 20: it does not start under ~750 MiB): a node
    /// worker's RLIMIT_AS is its memory limit plus this, and its heap (--max-old-space-size) the memory limit.
    /// </summary>
    public const long Reservation = 1L << 30;

    private static readonly string[] Extensions = [".js", ".mjs", ".cjs"];

    /// <inheritdoc />
    public ProcessorRuntime Runtime => ProcessorRuntime.Node;

    /// <inheritdoc />
    public async Task<WorkerLaunch> LaunchAsync(CodeEnvironment environment, string module, WorkerLimits limits, CancellationToken cancellationToken)
    {
        var path = Find(environment, module);
        var interpreter = await python.InterpreterAsync(cancellationToken);
        var memory = limits.MemoryBytes > 0 ? limits.MemoryBytes + Reservation : 0;
        List<string> node = [options.Value.Node];
        if (limits.MemoryBytes > 0) node.Add($"--max-old-space-size={Math.Max(16, limits.MemoryBytes >> 20)}");
        return new WorkerLaunch(interpreter,
            [
                "-I", "-B", python.WorkerScript, "--launch", memory.ToString(CultureInfo.InvariantCulture), "--",
                .. node, scripts.NodeWorker, path, environment.CheckoutPath, limits.MaxPayloadBytes.ToString(CultureInfo.InvariantCulture), WorkerErrors.ForWorker,
            ],
            environment.CheckoutPath, $"module '{module}' cannot be loaded")
        {
            OutOfMemoryLine = limits.MemoryBytes > 0 ? "JavaScript heap out of memory" : null,
        };
    }

    // A file with a JavaScript extension, a folder (node reads its package.json or index.js), or a package installed
    // from the lock file; always inside the checkout.
    private static string Find(CodeEnvironment environment, string module)
    {
        var found = ModuleFiles.InCheckout(environment, module);
        if (found is null && !module.Contains('/')) found = ModuleFiles.InCheckout(environment, Path.Combine("node_modules", module));
        if (found is not null && (Directory.Exists(found) || Extensions.Contains(Path.GetExtension(found), StringComparer.Ordinal))) return found;
        throw new DeploymentException(
            $"module '{module}' is not a .js, .mjs or .cjs file or a package folder of the repository at commit {ModuleFiles.ShortCommit(environment)}");
    }
}
