using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Reliability;

/// <summary>A real silo on the embedded default with the sample processor, and sockets with retry policies for the lifecycle tests.</summary>
public sealed class ReliabilityFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-rel");

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The CLI pointed at it.</summary>
    public PyfiCli Cli { get; private set; } = null!;

    /// <summary>The sample repository.</summary>
    public GitRepository Repository { get; private set; } = null!;

    /// <summary>A scratch folder the tests and the Python functions share.</summary>
    public TempDirectory Scratch { get; } = new("pyfi-rel-scratch");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Repository = await GitRepository.CreateAsync(SampleCode.Files());
        Silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        Cli = Silo.Cli();
        await SampleCode.AddAsync(Cli, Repository);
        await Socket("flaky", "flaky", "-c", "1", "--max-attempts", "3", "--backoff", "200ms");
        await Socket("key-error", "raise_key", "-c", "1", "--max-attempts", "5", "--backoff", "100ms", "--no-retry-on", "KeyError");
        await Socket("limited", "sleepy", "-c", "1", "--max-attempts", "2", "--backoff", "100ms", "--timeout", "1s");
        await Socket("sleepy", "sleepy", "-c", "1");
        await Socket("append", "append", "-c", "2");
        await Socket("bounded", "sleepy", "-c", "1", "--max-queue", "2");
        await Socket("noop", "noop", "-c", "2");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Repository.Dispose();
        Scratch.Dispose();
        _data.Dispose();
    }

    private Task Socket(string name, string function, params string[] options) =>
        Cli.OkAsync(["add", "socket", "-n", name, "-q", "q", "-pn", "sample", "-t", function, .. options]);
}
