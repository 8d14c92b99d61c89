using CliWrap;
using CliWrap.Buffered;
using Microsoft.Extensions.Options;
using Pyfi.Grains.Code;

namespace Pyfi.Grains.Python;

/// <summary>
/// The Python this host runs: the real interpreter behind <c>PYFI_PYTHON</c> (default <c>python3</c>), resolved
/// once because a shim on PATH (pyenv) costs ~75 ms per start, and the worker script, written where workers
/// can run it.
/// </summary>
public sealed class PythonRuntime(IOptions<PyfiRuntimeOptions> options, CodePaths paths)
{
    private readonly Lazy<Task<string>> _interpreter = new(() => ResolveAsync(options.Value.Python));
    private readonly Lazy<string> _script = new(() => Runtimes.WorkerScripts.Write(paths, "Python", "pyfi_worker.py"));

    /// <summary>The absolute path of the base interpreter; throws <see cref="DeploymentException"/> when there is none.</summary>
    public Task<string> InterpreterAsync(CancellationToken cancellationToken = default) => _interpreter.Value.WaitAsync(cancellationToken);

    /// <summary>The worker script's path.</summary>
    public string WorkerScript => _script.Value;

    private static async Task<string> ResolveAsync(string python)
    {
        try
        {
            var result = await Cli.Wrap(python)
                .WithArguments(["-c", "import sys; print(sys.executable)"])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            var path = result.StandardOutput.Trim();
            if (result.ExitCode == 0 && File.Exists(path)) return path;
            throw new DeploymentException($"'{python}' did not say where its interpreter is: {result.StandardError.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new DeploymentException($"no Python interpreter '{python}' on this host; install python3 or set PYFI_PYTHON");
        }
    }
}
