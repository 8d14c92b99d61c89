namespace Pyfi.Tests.Infrastructure;

/// <summary>One real silo process on the embedded SQLite default, shared by a test class.</summary>
public sealed class SqliteSiloFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-silo");

    /// <summary>The running silo.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The CLI pointed at it.</summary>
    public PyfiCli Cli { get; private set; } = null!;

    /// <summary>A .NET client connected to it, for checking what the CLI did without another process.</summary>
    public Pyfi.Client.PyfiClient Client { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Silo = await SiloProcess.StartAsync(_data.Path);
        Cli = Silo.Cli();
        try
        {
            Client = await Silo.ConnectAsync();
        }
        catch
        {
            // xUnit does not dispose a fixture whose start failed: the silo must not outlive the test run.
            await Silo.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Silo.DisposeAsync();
        _data.Dispose();
    }
}
