using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Silo;

/// <summary>The silo as a user runs it: a real process on the embedded SQLite default, stopped, killed and started again.</summary>
public sealed class SiloLifecycleTests
{
    [Fact]
    public async Task AStoppedSiloStopsCleanlyAndTheNextOneFindsEverything()
    {
        using var data = new TempDirectory("pyfi-silo");
        await using var first = await SiloProcess.StartAsync(data.Path);
        var cli = first.Cli();
        await BuildAsync(cli);
        var before = await ListAllAsync(cli);

        var exit = await first.StopAsync();

        Assert.Equal(0, exit);
        Assert.Contains("Pyfi silo stopping", first.Output);
        Assert.True(File.Exists(Path.Combine(data.Path, "pyfi.db")), "the embedded database is a file in the data folder");
        await using var second = await SiloProcess.StartAsync(data.Path);
        Assert.Equal(before, await ListAllAsync(second.Cli()));
    }

    [Fact]
    public async Task AKilledSiloLosesNoAcknowledgedChange()
    {
        using var data = new TempDirectory("pyfi-silo");
        await using var first = await SiloProcess.StartAsync(data.Path);
        var cli = first.Cli();
        await BuildAsync(cli);
        await cli.OkAsync("update", "socket", "-n", "life.s", "-c", "9");
        var before = await ListAllAsync(cli);

        await first.KillAsync();

        await using var second = await SiloProcess.StartAsync(data.Path);
        var after = second.Cli();
        Assert.Equal(before, await ListAllAsync(after));
        var socket = JsonDocument.Parse((await after.OkAsync("ls", "socket", "-n", "life.s", "--json")).Stdout).RootElement;
        Assert.Equal(9, socket.GetProperty("spec").GetProperty("concurrency").GetInt32());
    }

    [Fact]
    public async Task TheReadyLineSaysWhereTheSiloServes()
    {
        using var data = new TempDirectory("pyfi-silo");
        await using var silo = await SiloProcess.StartAsync(data.Path);

        var ready = silo.Output.Split('\n').Single(l => l.Contains("Pyfi silo ready"));

        Assert.Contains($"gateway 127.0.0.1:{silo.GatewayPort}", ready);
        Assert.Contains($"silo port {silo.SiloPort}", ready);
        Assert.Contains($"storage sqlite {Path.Combine(data.Path, "pyfi.db")}", ready);
    }

    [Theory]
    [InlineData("PYFI_SILO_PORT", "abc", "invalid setting: Failed to convert configuration value 'abc' at 'Pyfi:SiloPort'")]
    [InlineData("PYFI_GATEWAY_PORT", "70000", "PYFI_GATEWAY_PORT must be a port number between 1 and 65535, not 70000")]
    [InlineData("PYFI_STORAGE", "oracle", "invalid setting: Failed to convert configuration value 'oracle' at 'Pyfi:Storage:Provider'")]
    [InlineData("PYFI_STORAGE", "postgres", "PYFI_STORAGE is postgres but no connection string is set")]
    [InlineData("PYFI_ADVERTISED_ADDRESS", "my-host", "PYFI_ADVERTISED_ADDRESS must be an IP address, not 'my-host'")]
    [InlineData("PYFI_MAX_PAYLOAD", "100", "PYFI_MAX_PAYLOAD must be between 1024 and 1073741824 bytes, not 100")]
    [InlineData("PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "2000", "PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS must be between 1 and PYFI_GATEWAY_MAX_CONNECTIONS (1024), not 2000")]
    [InlineData("PYFI_GATEWAY_IDLE_TIMEOUT", "00:00:00", "PYFI_GATEWAY_IDLE_TIMEOUT must be between 100 milliseconds and 1 day, not 00:00:00")]
    public async Task ASettingThatCannotWorkStopsTheSiloWithOneLine(string variable, string value, string message)
    {
        using var data = new TempDirectory("pyfi-silo");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { [variable] = value }, waitForReady: false);

        var exit = await silo.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        Assert.Contains($"pyfi silo: could not run: {message}", silo.Output);
    }

    [Fact]
    public async Task ASecondSiloOnTakenPortsSaysSoAndTheFirstKeepsServing()
    {
        using var data = new TempDirectory("pyfi-silo");
        using var other = new TempDirectory("pyfi-silo");
        await using var first = await SiloProcess.StartAsync(data.Path);

        await using var second = await SiloProcess.StartAsync(other.Path, waitForReady: false, ports: first.Ports);
        var exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        Assert.Contains($"pyfi silo: could not run: port {first.SiloPort} (PYFI_SILO_PORT) is already in use", second.Output);
        await first.Cli().OkAsync("ls", "queues");
    }

    [Fact]
    public async Task ASecondSiloOnTheSameDataFolderIsRefused()
    {
        using var data = new TempDirectory("pyfi-silo");
        await using var first = await SiloProcess.StartAsync(data.Path);

        await using var second = await SiloProcess.StartAsync(data.Path, waitForReady: false);
        var exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        Assert.Contains($"pyfi silo: could not run: the data folder {data.Path} is in use by another silo", second.Output);
        await first.Cli().OkAsync("ls", "queues");
    }

    private static async Task BuildAsync(PyfiCli cli)
    {
        await cli.OkAsync("add", "queue", "-n", "life.q", "-t", "topic");
        await cli.OkAsync("add", "processor", "-n", "life.p", "-g", "file:///srv/git/p.git", "-m", "pkg.mod", "--commit", "deadbeef");
        await cli.OkAsync("add", "socket", "-n", "life.s", "-q", "life.q", "-pn", "life.p", "-t", "work", "-c", "4");
    }

    private static async Task<string> ListAllAsync(PyfiCli cli) =>
        (await cli.OkAsync("ls", "queues", "--json")).Stdout
        + (await cli.OkAsync("ls", "processors", "--json")).Stdout
        + (await cli.OkAsync("ls", "sockets", "--json")).Stdout;
}
