using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>A real silo on the embedded default with the sample processor deployed from a real git repository.</summary>
public sealed class ExecutionFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-exec");

    /// <summary>The silo's data folder (its venvs, so its Python workers, are under it).</summary>
    public string DataPath => _data.Path;

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The CLI pointed at it.</summary>
    public PyfiCli Cli { get; private set; } = null!;

    /// <summary>The sample repository.</summary>
    public GitRepository Repository { get; private set; } = null!;

    /// <summary>A scratch folder the tests and the Python functions share.</summary>
    public TempDirectory Scratch { get; } = new("pyfi-scratch");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Repository = await GitRepository.CreateAsync(SampleCode.Files());
        Silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        Cli = Silo.Cli();
        await SampleCode.AddAsync(Cli, Repository);
        await SampleCode.AddSocketsAsync(Cli, "do_something", "do_this", "noop", "echo", "shout", "fail", "not_json", "version", "crash_once", "slow_version", "sleepy", "append");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Repository.Dispose();
        Scratch.Dispose();
        _data.Dispose();
    }
}
