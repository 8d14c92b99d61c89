using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pyfi.Grains;
using Pyfi.Grains.Code;
using Pyfi.Grains.Python;
using Pyfi.Grains.Runtimes;

namespace Pyfi.Tests.Infrastructure;

/// <summary>A real Python worker process for a module written into a folder, spoken to directly: no silo, no git.</summary>
public static class LocalWorker
{
    /// <summary>The limits a silo gives workers by default.</summary>
    public static WorkerLimits DefaultLimits { get; } = new(new PyfiRuntimeOptions().WorkerMemoryBytes, new PyfiRuntimeOptions().MaxPayloadBytes);

    /// <summary>Writes <paramref name="source"/> as <c>{module}.py</c> in <paramref name="folder"/>'s <c>code</c> folder and starts a worker for it.</summary>
    public static async Task<PythonWorker> StartAsync(TempDirectory folder, string module, string source, WorkerLimits? limits = null)
    {
        await WriteAsync(folder, module, source);
        return await StartAsync(folder, module, limits ?? DefaultLimits);
    }

    /// <summary>Writes <paramref name="source"/> as <c>{module}.py</c> in <paramref name="folder"/>'s <c>code</c> folder.</summary>
    public static async Task WriteAsync(TempDirectory folder, string module, string source)
    {
        var code = Directory.CreateDirectory(folder.File("code")).FullName;
        await File.WriteAllTextAsync(Path.Combine(code, $"{module}.py"), source);
    }

    /// <summary>Starts a worker for <paramref name="module"/> of <paramref name="folder"/>'s <c>code</c> folder (commit <c>0123456789ab…</c>).</summary>
    public static async Task<PythonWorker> StartAsync(TempDirectory folder, string module, WorkerLimits limits)
    {
        FastTier.Refuse("a Python worker");
        var runtime = new PythonRuntime(Options.Create(new PyfiRuntimeOptions()), new CodePaths(folder.File("data")));
        var environment = new CodeEnvironment("test", folder.File("code"), await runtime.InterpreterAsync(), "0123456789abcdef0123456789abcdef01234567");
        var launch = await new PythonWorkerRuntime(runtime).LaunchAsync(environment, module, limits, CancellationToken.None);
        return await PythonWorker.StartAsync(launch, PythonWorker.KeyOf(environment, ProcessorRuntime.Python, module, limits), limits, NullLogger.Instance, CancellationToken.None);
    }
}
