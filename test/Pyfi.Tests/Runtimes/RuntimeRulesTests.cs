using Pyfi.Cli.Commands.Network;

namespace Pyfi.Tests.Runtimes;

/// <summary>A processor's runtime without processes: what a module and a function are for each, the update, the network file.</summary>
[Trait("Category", "Fast")]
public sealed class RuntimeRulesTests
{
    private static ProcessorSpec Processor(ProcessorRuntime runtime, string module) =>
        new() { Name = "p", Repository = "/r", Module = module, Runtime = runtime };

    [Theory]
    [InlineData(ProcessorRuntime.Python, "pkg.mod")]
    [InlineData(ProcessorRuntime.Node, "lib/text.js")]
    [InlineData(ProcessorRuntime.Node, "lib/text.mjs")]
    [InlineData(ProcessorRuntime.Node, "packages/tools")]
    [InlineData(ProcessorRuntime.Node, "@scope/tool")]
    [InlineData(ProcessorRuntime.Bash, "bin/")]
    [InlineData(ProcessorRuntime.Bash, "scripts/image")]
    [InlineData(ProcessorRuntime.Bash, ".")]
    public void AModuleOfItsRuntimesShapeIsAccepted(ProcessorRuntime runtime, string module) =>
        Assert.Equal(module, ModelRules.Validate(Processor(runtime, module)).Module);

    [Theory]
    [InlineData(ProcessorRuntime.Python, "lib/text.js", "processor 'p': module 'lib/text.js' is not a Python module path like package.module")]
    [InlineData(ProcessorRuntime.Node, "../elsewhere.js", "processor 'p': module '../elsewhere.js' is not a Node module of the repository: a relative path to a .js, .mjs or .cjs file, or to a package folder (lib/text.js, packages/tools)")]
    [InlineData(ProcessorRuntime.Node, "/etc/passwd.js", "processor 'p': module '/etc/passwd.js' is not a Node module of the repository")]
    [InlineData(ProcessorRuntime.Node, "lib/../../x.js", "processor 'p': module 'lib/../../x.js' is not a Node module of the repository")]
    [InlineData(ProcessorRuntime.Bash, "bin/../..", "processor 'p': module 'bin/../..' is not a folder of the repository for bash scripts (bin/, or . for the top)")]
    [InlineData(ProcessorRuntime.Bash, "", "processor 'p': module '' is not a folder of the repository for bash scripts")]
    [InlineData((ProcessorRuntime)7, "m", "processor 'p': --runtime must be python, node or bash")]
    public void AModuleOfAnotherShapeIsRefusedInOneLine(ProcessorRuntime runtime, string module, string message)
    {
        var refused = Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(Processor(runtime, module)));
        Assert.StartsWith(message, refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Theory]
    [InlineData(ProcessorRuntime.Python, "do_this", null)]
    [InlineData(ProcessorRuntime.Python, "resize.sh", "function 'resize.sh' is not a Python identifier")]
    [InlineData(ProcessorRuntime.Node, "$upper", null)]
    [InlineData(ProcessorRuntime.Node, "resize-image", "function 'resize-image' is not a JavaScript identifier (an export of the module)")]
    [InlineData(ProcessorRuntime.Bash, "resize.sh", null)]
    [InlineData(ProcessorRuntime.Bash, "resize-image", null)]
    [InlineData(ProcessorRuntime.Bash, "..", "function '..' is not a script's file name in the processor's folder, like resize.sh")]
    [InlineData(ProcessorRuntime.Bash, ".hidden", "function '.hidden' is not a script's file name")]
    public void ASocketsFunctionIsCheckedForItsProcessorsRuntime(ProcessorRuntime runtime, string function, string? message)
    {
        if (message is null)
        {
            Assert.Equal(function, ModelRules.Function("socket 's'", runtime, function));
            return;
        }

        Assert.StartsWith($"socket 's': {message}", Assert.Throws<InvalidSpecException>(() => ModelRules.Function("socket 's'", runtime, function)).Message);
    }

    [Theory]
    [InlineData("bin/resize.sh")]
    [InlineData("../x")]
    [InlineData("a b")]
    public void AFunctionNoRuntimeTakesIsRefusedWithTheSocket(string function)
    {
        var socket = new SocketSpec { Name = "s", Queue = "q", Processor = "p", Function = function };
        Assert.Contains($"function '{function}' is not a function name", Assert.Throws<InvalidSpecException>(() => ModelRules.Validate(socket)).Message);
    }

    [Fact]
    public void AnUpdateChangesTheRuntimeAndLeavesItWhenNotGiven()
    {
        var python = Processor(ProcessorRuntime.Python, "pkg.mod");

        var node = new ProcessorUpdate { Runtime = ProcessorRuntime.Node, Module = "lib/text.js" }.ApplyTo(python);
        var kept = new ProcessorUpdate { Concurrency = 2 }.ApplyTo(node);

        Assert.Equal((ProcessorRuntime.Node, "lib/text.js"), (node.Runtime, node.Module));
        Assert.Equal(ProcessorRuntime.Node, kept.Runtime);
        Assert.Equal(ProcessorRuntime.Python, new ProcessorSpec { Name = "p", Repository = "/r", Module = "m" }.Runtime);
    }

    [Fact]
    public void TheNetworkFileReadsAndWritesTheRuntimeAndAFileWithoutItMeansPython()
    {
        const string Yaml = """
            processors:
              - {name: py, gitrepo: /r, module: pkg.mod}
              - {name: js, gitrepo: /r, module: lib/text.js, runtime: node}
              - {name: sh, gitrepo: /r, module: bin/, runtime: bash}
            """;

        var network = NetworkFile.Read(Yaml, out var problems);
        var written = NetworkFile.Write(network, json: false);
        var again = NetworkFile.Read(written, out var problemsAgain);
        NetworkFile.Read("processors:\n  - {name: x, gitrepo: /r, module: m, runtime: perl}\n", out var refused);

        Assert.Empty(problems);
        Assert.Empty(problemsAgain);
        Assert.Equal([ProcessorRuntime.Python, ProcessorRuntime.Node, ProcessorRuntime.Bash], network.Processors.Select(p => p.Runtime));
        Assert.Contains("  runtime: node\n", written);
        // Hosts (an ImmutableArray) compare by reference in a record: compared apart.
        Assert.Equal(network.Processors.Select(p => p with { Hosts = [] }), again.Processors.Select(p => p with { Hosts = [] }));
        Assert.All(again.Processors, p => Assert.Empty(p.Hosts));
        Assert.Contains(refused, p => p.Contains("runtime", StringComparison.Ordinal) && p.Contains("perl", StringComparison.Ordinal));
    }

    [Fact]
    public void TheGatewaysJsonNamesTheRuntimeInLowerCaseAndReadsAProcessorWithoutIt()
    {
        var json = Pyfi.Protocol.PyfiJson.Serialize(Processor(ProcessorRuntime.Bash, "bin/"));
        var old = Pyfi.Protocol.PyfiJson.Deserialize<ProcessorSpec>("""{"name":"p","repository":"/r","module":"m"}""");

        Assert.Contains("\"runtime\":\"bash\"", json);
        Assert.Equal(ProcessorRuntime.Python, old!.Runtime);
    }

    [Fact]
    public void AStoredDeploymentWithoutARuntimeIsReadAsPython()
    {
        var options = Pyfi.Grains.Storage.JsonGrainStateSerializer.Options;
        var stored = System.Text.Json.JsonSerializer.Deserialize<Pyfi.Grains.Processors.ProcessorState>(
            """{"Definition":{"Spec":{"Name":"p","Repository":"/r","Module":"m"}},"Deployment":{"Processor":"p","Repository":"/r","Module":"m","Commit":"abc","Status":"Ready","Revision":1}}""", options);

        Assert.Equal(ProcessorRuntime.Python, stored!.Definition!.Spec.Runtime);
        Assert.Equal(ProcessorRuntime.Python, stored.Deployment!.Runtime);
    }
}
