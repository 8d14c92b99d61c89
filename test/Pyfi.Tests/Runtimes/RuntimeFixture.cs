using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Runtimes;

/// <summary>
/// One real silo (2 cores) for the node, bash and mixed runtime tests, with the repository of <see cref="RuntimeCode"/>
/// (its scripts committed executable) and a node processor <c>js</c>, a bash processor <c>sh</c> and a python
/// processor <c>py</c> on queue <c>q</c>.
/// </summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-runtimes");

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The CLI pointed at it.</summary>
    public PyfiCli Cli { get; private set; } = null!;

    /// <summary>The repository.</summary>
    public GitRepository Repository { get; private set; } = null!;

    /// <summary>A scratch folder the tests and the functions share.</summary>
    public TempDirectory Scratch { get; } = new("pyfi-runtimes-scratch");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Repository = await GitRepository.CreateAsync(RuntimeCode.Files());
        foreach (var script in RuntimeCode.Executables) await Repository.GitAsync("update-index", "--chmod=+x", script);
        await Repository.GitAsync("-c", "user.email=test@pyfi", "-c", "user.name=pyfi-test", "commit", "-q", "-m", "executable scripts");
        Silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        Cli = Silo.Cli();
        await Cli.OkAsync("add", "queue", "-n", "q");
        await Cli.OkAsync("add", "processor", "-n", "js", "-g", Repository.Path, "-m", "lib/text.js", "--runtime", "node");
        await Cli.OkAsync("add", "processor", "-n", "sh", "-g", Repository.Path, "-m", "bin/", "--runtime", "bash");
        await Cli.OkAsync("add", "processor", "-n", "py", "-g", Repository.Path, "-m", "steps");
    }

    /// <summary>Adds socket <paramref name="name"/> on <c>q</c> for <paramref name="function"/> of <paramref name="processor"/>.</summary>
    public Task SocketAsync(string name, string processor, string function, params string[] options) =>
        Cli.OkAsync(["add", "socket", "-n", name, "-q", "q", "-pn", processor, "-t", function, .. options]);

    /// <summary>A new file name in the scratch folder (not created).</summary>
    public string Marker(string what) => Path.Combine(Scratch.Path, $"{what}-{Guid.NewGuid():N}");

    /// <summary>Waits for <paramref name="marker"/> (written whole by a function as it begins) and returns the pids in it.</summary>
    public static async Task<int[]> PidsAsync(string marker)
    {
        await Poll.UntilAsync(() => File.Exists(marker), TimeSpan.FromSeconds(60), $"the function to write {marker}");
        return [.. (await File.ReadAllTextAsync(marker)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];
    }

    /// <summary>Waits until processor <paramref name="name"/>'s status is error; returns its error.</summary>
    public async Task<string> DeploymentErrorAsync(string name)
    {
        string? error = null;
        await Poll.UntilAsync(async () =>
        {
            using var shown = System.Text.Json.JsonDocument.Parse((await Cli.OkAsync("ls", "processor", "-n", name, "--json")).Stdout);
            error = shown.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
            return shown.RootElement.GetProperty("status").GetString() == "error";
        }, TimeSpan.FromSeconds(120), $"processor {name}'s deployment to fail");
        return error!;
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

/// <summary>The runtime tests share one silo.</summary>
[CollectionDefinition(Name)]
public sealed class RuntimeCollection : ICollectionFixture<RuntimeFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "runtimes";
}
