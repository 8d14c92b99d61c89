using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Runtimes;

/// <summary>Runtimes together: a workflow whose steps run on python, node and bash workers of one silo.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class MixedRuntimeTests(RuntimeFixture fixture)
{
    [Fact]
    public async Task APipelineFromPythonThroughNodeToBashPassesEachResultOn()
    {
        await fixture.SocketAsync("mixed.start", "py", "start");
        await fixture.SocketAsync("mixed.upper", "js", "upper");
        await fixture.SocketAsync("mixed.reverse", "sh", "reverse.sh");
        var file = Path.Combine(fixture.Scratch.Path, "mixed.yaml");
        await File.WriteAllTextAsync(file, """
            pipeline:
              - {socket: mixed.start, args: [abc]}
              - {socket: mixed.upper}
              - {socket: mixed.reverse}
            """);

        var run = await fixture.Cli.RunAsync(["flow", "run", "-f", file], timeout: TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("YP-CBA\n", run.Stdout);
    }

    [Fact]
    public async Task ASocketsFunctionMustSuitItsProcessorsRuntimeAndARuntimeChangeKeepsItsSocketsValid()
    {
        var onPython = await fixture.Cli.RunAsync(["add", "socket", "-n", "mixed.bad", "-q", "q", "-pn", "py", "-t", "start.sh"]);
        await fixture.SocketAsync("mixed.dashed", "sh", "die-once.sh");
        var toNode = await fixture.Cli.RunAsync(["update", "processor", "-n", "sh", "--runtime", "node"]);

        Assert.Equal((1, "pyfi: socket 'mixed.bad': function 'start.sh' is not a Python identifier\n"), (onPython.ExitCode, onPython.Stderr));
        Assert.Equal(1, toNode.ExitCode);
        Assert.Contains("function 'die-once.sh' is not a JavaScript identifier", toNode.Stderr);
        Assert.Contains("bash", (await fixture.Cli.OkAsync("ls", "processor", "-n", "sh")).Stdout);
    }
}
