using System.Text.RegularExpressions;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>
/// What a newcomer's first commands get from the real <c>pyfi</c> process, with no network to reach: help with no
/// arguments, and exit 2 with one line for a command line that does not parse, whichever command it is. The
/// gateway is a port nothing listens on, so a command that got as far as connecting would say it cannot reach it.
/// </summary>
public sealed partial class CommandLineTests
{
    private readonly string _nowhere = $"127.0.0.1:{FreePorts.Take(1)[0]}";

    private PyfiCli Cli => new(_nowhere);

    [Fact]
    public async Task PyfiAloneIsHelp()
    {
        var bare = await Cli.RunAsync([]);
        var help = await Cli.RunAsync(["--help"]);

        Assert.Equal(0, bare.ExitCode);
        Assert.Empty(bare.Stderr);
        Assert.Equal(help.Stdout, bare.Stdout);
        Assert.Contains("Usage:", bare.Stdout);
        foreach (var command in new[] { "add", "ls", "apply", "export", "task", "flow", "follow", "top", "token", "version" }) Assert.Matches($@"\n  {command} +\S", bare.Stdout);
    }

    [Theory]
    [InlineData("add", "pyfi add takes one of: queue, processor, socket, plug, schedule.")]
    [InlineData("ls", "pyfi ls takes one of: queues, queue, processors, processor, sockets, socket, plugs, plug, schedules, schedule, network, call, calls, run, nodes, agents, workers.")]
    [InlineData("flow", "pyfi flow takes one of: run, result, watch, cancel.")]
    public async Task ACommandGroupAloneNamesItsCommands(string group, string line)
    {
        var result = await Cli.RunAsync([group]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["pyfi: Required command was not provided.", line, $"Try 'pyfi {group} --help'."], Lines(result.Stderr));
        Assert.Empty(result.Stdout);
    }

    /// <summary>A malformed flag value of each kind, in each command group.</summary>
    public static TheoryData<string, string> MalformedValues => new()
    {
        { "add queue -n q -t bogus", "--type: 'bogus' is not one of direct|topic|fanout" },
        { "update queue -n q --durable maybe", "--durable: 'maybe' is not true or false" },
        { "add processor -n p -g /r -m m --memory lots", "--memory: 'lots' is not an amount of memory (e.g. 512M, 2G)" },
        { "add processor -n p -g /r -m m --runtime perl", "--runtime: 'perl' is not one of python|node|bash" },
        { "update processor -n p --requested-status asleep", "--requested-status: 'asleep' is not one of ready|deploying|running|paused|stopped|error" },
        { "add socket -n s -q q -pn p -t f -c many", "--concurrency: 'many' is not a whole number" },
        { "update socket -n s --backoff soon", "--backoff: 'soon' is not a duration (e.g. 30s, 5m, 250ms)" },
        { "ls calls --state weird", "--state: 'weird' is not one of queued|running|succeeded|failed|cancelled" },
        { "ls calls --since yesterdayish", "--since: 'yesterdayish' is not a duration (e.g. 30s, 5m, 250ms)" },
        { "ls calls --limit lots", "--limit: 'lots' is not a whole number" },
        { "ls call --id 42", "--id: '42' is not an id (ids look like 54790537-d059-4b01-8ed3-34471dbcc5e6)" },
        { "task run -s s --nodata --timeout soon", "--timeout: 'soon' is not a duration (e.g. 30s, 5m, 250ms)" },
        { "task run -s s --nodata --max-attempts x", "--max-attempts: 'x' is not a whole number" },
        { "task result --id not-an-id", "--id: 'not-an-id' is not an id (ids look like 54790537-d059-4b01-8ed3-34471dbcc5e6)" },
        { "flow watch --id 123", "--id: '123' is not an id (ids look like 54790537-d059-4b01-8ed3-34471dbcc5e6)" },
        { "apply", "Option '--file' is required." },
        { "follow --run 42", "--run: '42' is not a run's id (ids look like 54790537-d059-4b01-8ed3-34471dbcc5e6)" },
        { "follow -s s --after soon", "--after: 'soon' is not a position (a whole number a line of pyfi follow printed)" },
        { "follow -s s --count x", "--count: 'x' is not a whole number" },
        { "follow -s s --count 0", "--count must be at least 1" },
        { "follow", "follow takes one of -s SOCKET and --run RUN" },
        { "follow -s s --run 54790537-d059-4b01-8ed3-34471dbcc5e6", "follow takes one of -s SOCKET and --run RUN" },
        { "top -n x", "--frames: 'x' is not a whole number" },
        { "top -n 0", "--frames must be 1 or more" },
        { "top -i never", "--interval: 'never' is not a number" },
        { "token create -n t --role king", "--role: 'king' is not one of viewer|submitter|operator|developer|admin" },
        { "token create -n t --role admin --expires soon", "--expires: 'soon' is not a duration (e.g. 30s, 5m, 250ms)" },
    };

    [Theory]
    [MemberData(nameof(MalformedValues))]
    public async Task AMalformedFlagValueExitsTwoBeforeConnecting(string commandLine, string message)
    {
        var result = await Cli.RunAsync(commandLine);

        Assert.Equal(2, result.ExitCode);
        var lines = Lines(result.Stderr);
        Assert.Equal($"pyfi: {message}", lines[0]);
        Assert.Matches(@"^Try 'pyfi [a-z ]+ --help'\.$", lines[^1]);
        Assert.Equal(2, lines.Length);
        Assert.Empty(result.Stdout);
        Assert.DoesNotMatch(DotNetTypeName(), result.Stderr);
    }

    [Fact]
    public async Task OnATerminalTaskRunSaysItReadsStandardInput()
    {
        var typed = await TerminalCli.RunAsync(_nowhere, null, ["task", "run", "-s", "s"], typed: "some data\n\n");

        Assert.Equal(1, typed.ExitCode);
        var notice = typed.Stdout.IndexOf("reading the argument from standard input: type it, then an empty line or Ctrl+D", StringComparison.Ordinal);
        Assert.True(notice >= 0, typed.ToString());
        // It read what was typed, then went to the network (which is not there).
        Assert.True(typed.Stdout.IndexOf($"pyfi: cannot reach the Pyfi network at {_nowhere}", StringComparison.Ordinal) > notice, typed.ToString());
    }

    [Theory]
    [InlineData("task run -s s -d 'x'")]
    [InlineData("task run -s s --nodata")]
    public async Task OnATerminalTaskRunWithItsArgumentsSaysNothingOfStandardInput(string commandLine)
    {
        var run = await TerminalCli.RunAsync(_nowhere, null, commandLine.Split(' '));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"pyfi: cannot reach the Pyfi network at {_nowhere}", run.Stdout);
        Assert.DoesNotContain("standard input", run.Stdout);
    }

    [Fact]
    public async Task PipedStandardInputIsReadWithoutAWord()
    {
        var piped = await Cli.RunAsync(["task", "run", "-s", "s"], stdin: "some data\n");

        Assert.Equal(1, piped.ExitCode);
        Assert.Equal([$"pyfi: cannot reach the Pyfi network at {_nowhere}: connection refused. Is a silo running there? (dotnet run --project src/Silo)"], Lines(piped.Stderr));
    }

    private static string[] Lines(string text) => text.TrimEnd().Split('\n');

    // What a .NET type name looks like in a message: System.Nullable`1, System.Guid, SomethingException.
    [GeneratedRegex(@"System\.|`1|[A-Z][a-z]+Exception")]
    private static partial Regex DotNetTypeName();
}
