using CliWrap;
using CliWrap.Buffered;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>The <c>pyfi</c> dotnet tool as a user gets it: packed, installed into a tool path, run.</summary>
public sealed class ToolPackageTests
{
    [Fact]
    public async Task PackedAndInstalledThePyfiToolRunsAndReachesASilo()
    {
        using var folder = new TempDirectory("pyfi-tool");
        var feed = Path.Combine(folder.Path, "feed");
        var tools = Path.Combine(folder.Path, "tools");
        using var data = new TempDirectory("pyfi-tool-silo");
        await using var silo = await SiloProcess.StartAsync(data.Path);

        // --no-build: the suite's other tests run the CLI built where pack would build it again.
        var pack = await Run(TestEnvironment.Dotnet, ["pack", Path.Combine(TestEnvironment.RepositoryRoot, "src", "Cli"), "-c", TestEnvironment.Configuration,
            "-o", feed, "-nologo", "--no-build", "-p:Version=0.0.1-test"]);
        var install = await Run(TestEnvironment.Dotnet, ["tool", "install", "--tool-path", tools, "--add-source", feed, "--version", "0.0.1-test", "pyfi"]);
        var version = await Run(Path.Combine(tools, "pyfi"), ["version"]);
        var queue = await Run(Path.Combine(tools, "pyfi"), ["add", "queue", "-n", "tool.q", "--gateway", silo.Gateway, "--token", silo.AdminToken]);
        var listed = await Run(Path.Combine(tools, "pyfi"), ["ls", "queues", "--json", "--gateway", silo.Gateway, "--token", silo.AdminToken]);

        Assert.True(File.Exists(Path.Combine(feed, "pyfi.0.0.1-test.nupkg")), pack.StandardOutput);
        Assert.Contains("pyfi", install.StandardOutput);
        Assert.StartsWith("pyfi ", version.StandardOutput);
        Assert.Equal(0, queue.ExitCode);
        Assert.Contains("\"tool.q\"", listed.StandardOutput);
    }

    private static async Task<BufferedCommandResult> Run(string program, string[] args)
    {
        var result = await CliWrap.Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(e => e.Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1").Set("DOTNET_NOLOGO", "1"))
            .ExecuteBufferedAsync();
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        return result;
    }
}
