using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary>
/// A real silo on the embedded default that allows processors from two repositories only (<c>PYFI_REPOS</c>):
/// one holding the sample and sandbox modules, one with two requirements files that install offline.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-sandbox-silo");

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The CLI pointed at it.</summary>
    public PyfiCli Cli { get; private set; } = null!;

    /// <summary>The sample and sandbox modules (allowed by its path).</summary>
    public GitRepository Repository { get; private set; } = null!;

    /// <summary>Module <c>which</c> with <c>req-a.txt</c> and <c>req-b.txt</c>, each naming a wheel of the repository (allowed by its file URL).</summary>
    public GitRepository Requirements { get; private set; } = null!;

    /// <summary>PYFI_REPOS as the silo has it.</summary>
    public string AllowedRepositories { get; private set; } = "";

    /// <summary>A scratch folder the tests and the Python functions share.</summary>
    public TempDirectory Scratch { get; } = new("pyfi-scratch");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Repository = await GitRepository.CreateAsync(new Dictionary<string, string>(SampleCode.Files()) { [$"{SandboxCode.Module}.py"] = SandboxCode.Source });
        Requirements = await GitRepository.CreateAsync(new Dictionary<string, string>
        {
            ["req-a.txt"] = "./wheels/pyfi_dep_a-0.1-py3-none-any.whl\n",
            ["req-b.txt"] = "./wheels/pyfi_dep_b-0.1-py3-none-any.whl\n",
            ["which.py"] = "import importlib.util\n\ndef installed():\n    return [n for n in ('pyfi_dep_a', 'pyfi_dep_b') if importlib.util.find_spec(n)]\n",
        });
        Wheel.Build(Path.Combine(Requirements.Path, "wheels"), "pyfi_dep_a", "0.1", "NAME = 'a'\n");
        Wheel.Build(Path.Combine(Requirements.Path, "wheels"), "pyfi_dep_b", "0.1", "NAME = 'b'\n");
        await Requirements.CommitAsync(new Dictionary<string, string>(), "add the wheels");
        AllowedRepositories = $"{Repository.Path};{Requirements.FileUrl}";
        Silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2", ["PYFI_REPOS"] = AllowedRepositories });
        Cli = Silo.Cli();
        await SampleCode.AddAsync(Cli, Repository);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Repository.Dispose();
        Requirements.Dispose();
        Scratch.Dispose();
        _data.Dispose();
    }
}
