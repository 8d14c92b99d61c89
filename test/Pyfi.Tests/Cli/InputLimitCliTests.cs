using System.Diagnostics;
using System.Text;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>
/// Input that crashed or confused the real <c>pyfi</c> process: each is refused with one line and exit 1,
/// and before any connection (the gateway here is a port nothing listens on, so a refusal that came after
/// connecting would say the network cannot be reached).
/// </summary>
public sealed class InputLimitCliTests : IDisposable
{
    private readonly TempDirectory _files = new("pyfi-limits");
    private readonly string _nowhere = $"127.0.0.1:{FreePorts.Take(1)[0]}";

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    public static TheoryData<string[], string> CommandLines => new()
    {
        { ["task", "run", "-s", "s", "--data", Repeat("[", 100_000)], "pyfi: --data is nested deeper than 64 levels (at character 65)" },
        { ["task", "run", "-s", "s", "--data", Repeat("[", 65) + Repeat("]", 65)], "pyfi: --data is nested deeper than 64 levels (at character 65)" },
        // One value that is not a list is sent inside one: a dict nested 64 deep is 65 levels of arguments.
        { ["task", "run", "-s", "s", "--data", Repeat("{'a': ", 64) + "1" + Repeat("}", 64)], "pyfi: --data is nested deeper than 64 levels" },
        { ["task", "run", "-s", "s", "--data", Repeat("[", 40) + Repeat("]", 40), "--kwargs", Repeat("{'a': ", 65) + "1" + Repeat("}", 65)], "pyfi: --kwargs is nested deeper than 64 levels (at character 385)" },
        { ["task", "run", "-s", "s", "--kwargs", "[1]"], "pyfi: --kwargs must be a dict literal, e.g. \"{'key': 'value'}\"" },
        { ["task", "run", "-s", "s", "--kwargs", "{'a' 1}"], "pyfi: --kwargs is not a Python literal: expected ':' after a dict key (at character 6)" },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public async Task DataAndKwargsPastTheLimitsAreRefusedInOneLine(string[] args, string error)
    {
        var run = await new PyfiCli(_nowhere).RunAsync(args);

        AssertRefused(run, error);
    }

    [Theory]
    [InlineData("deep.yaml", "pyfi: the workflow file is nested deeper than 64 levels (line 1)")]
    [InlineData("deep.json", "pyfi: the workflow file is nested deeper than 64 levels (line 1)")]
    [InlineData("laughs.yaml", "pyfi: anchors are not allowed in a workflow file (line 1)")]
    [InlineData("aliases.yaml", "pyfi: aliases are not allowed in a workflow file (line 3)")]
    public async Task AWorkflowFileTooDeepOrWithAliasesIsRefusedInOneLine(string name, string error)
    {
        var file = _files.File(name);
        await File.WriteAllTextAsync(file, name switch
        {
            "deep.yaml" => Repeat("a: [", 10_000),
            "deep.json" => Repeat("{\"pipeline\": [", 10_000),
            "laughs.yaml" => BillionLaughs(),
            _ => "pipeline:\n  - {socket: s}\n  - *step\n",
        });

        var run = await new PyfiCli(_nowhere).RunAsync(["flow", "run", "-f", file]);

        AssertRefused(run, error);
    }

    [Fact]
    public async Task ABillionLaughsIsRefusedAtOnceWithinASmallHeap()
    {
        var file = _files.File("laughs.yaml");
        await File.WriteAllTextAsync(file, BillionLaughs());
        // A tool that expanded it would need gigabytes: with the heap capped at 64 MiB it would die of it, not exit 1.
        var cli = new PyfiCli(_nowhere, new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x4000000" });
        var clock = Stopwatch.StartNew();

        var run = await cli.RunAsync(["flow", "run", "-f", file]);

        AssertRefused(run, "pyfi: anchors are not allowed in a workflow file (line 1)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task FilesAndStandardInputPastThePayloadLimitAreRefusedBeforeTheyAreRead()
    {
        var file = _files.File("big.yaml");
        await File.WriteAllTextAsync(file, new string('a', 2000));
        var cli = new PyfiCli(_nowhere, new Dictionary<string, string> { ["PYFI_MAX_PAYLOAD"] = "1000" });

        AssertRefused(await cli.RunAsync(["flow", "run", "-f", file]), "pyfi: the workflow file is larger than 1000 bytes (PYFI_MAX_PAYLOAD)");
        AssertRefused(await cli.RunAsync(["flow", "run", "-f", "-"], stdin: new string('a', 2000)), "pyfi: the workflow on standard input is larger than 1000 bytes (PYFI_MAX_PAYLOAD)");
        AssertRefused(await cli.RunAsync(["task", "run", "-s", "s"], stdin: new string('é', 501)), "pyfi: standard input is larger than 1000 bytes (PYFI_MAX_PAYLOAD)");
        AssertRefused(await cli.RunAsync(["task", "run", "-s", "s", "--data", $"'{new string('a', 999)}'"]), "pyfi: --data is larger than 1000 bytes (PYFI_MAX_PAYLOAD)");
        AssertRefused(await new PyfiCli(_nowhere, new Dictionary<string, string> { ["PYFI_MAX_PAYLOAD"] = "16M" }).RunAsync(["task", "run", "-s", "s", "--nodata"]),
            "pyfi: PYFI_MAX_PAYLOAD must be a whole number of bytes, not '16M'");
    }

    [Fact]
    public async Task InputWithinTheLimitsGoesOnToTheNetwork()
    {
        var file = _files.File("ok.yaml");
        await File.WriteAllTextAsync(file, "socket: s\nargs: " + Repeat("[", 63) + Repeat("]", 63) + "\n");
        var cli = new PyfiCli(_nowhere, new Dictionary<string, string> { ["PYFI_MAX_PAYLOAD"] = "1000" });

        var task = await cli.RunAsync(["task", "run", "-s", "s", "--data", Repeat("[", 64) + Repeat("]", 64), "--kwargs", Repeat("{'a': ", 64) + "1" + Repeat("}", 64)]);
        var stdin = await cli.RunAsync(["task", "run", "-s", "s"], stdin: new string('a', 1000) + "\n\n" + new string('b', 5000));
        var flow = await cli.RunAsync(["flow", "run", "-f", file]);

        Assert.All([task, stdin, flow], run => AssertRefused(run, $"pyfi: cannot reach the Pyfi network at {_nowhere}: connection refused. Is a silo running there? (dotnet run --project src/Silo)"));
    }

    public void Dispose() => _files.Dispose();

    // Ten levels of nine aliases each: 9^9 "lol"s, a tree of gigabytes, in 700 bytes.
    private static string BillionLaughs()
    {
        var text = new StringBuilder("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++) text.Append($"lol{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 9))}]\n");
        return text.ToString();
    }

    // One line on stderr, exit 1 (not a crash: 134 is SIGABRT, as a stack overflow ends), no .NET names.
    private static void AssertRefused(CliResult run, string error)
    {
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("", run.Stdout);
        Assert.Equal(error + "\n", run.Stderr);
        Assert.DoesNotMatch(@"Exception|System\.|Stack overflow|   at ", run.Stderr);
    }
}
