using System.Text.Json;
using System.Text.RegularExpressions;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>
/// What a newcomer hit with the real tool against a real silo (issue 13): a processor's error in its listing,
/// a workflow's id found and used, "not ended yet" as exit 3 for calls and workflows, and idle workers said.
/// </summary>
public sealed partial class NewcomerTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task AProcessorThatCannotRunShowsWhyInItsListingAndItsDetails()
    {
        await Cli.OkAsync("add", "processor", "-n", "newcomer.broken", "-g", fixture.Repository.Path, "-m", "pyfi.processors.missing");
        JsonElement info = default;
        await Poll.UntilAsync(async () =>
        {
            info = Json(await Cli.OkAsync("ls", "processor", "-n", "newcomer.broken", "--json"));
            return info.GetProperty("status").GetString() == "error";
        }, TimeSpan.FromSeconds(60), "the processor's deployment to fail");

        var table = await Cli.OkAsync("ls", "processors");
        var details = await Cli.OkAsync("ls", "processor", "-n", "newcomer.broken");
        var narrow = await TerminalCli.RunAsync(fixture.Silo.Gateway, fixture.Silo.AdminToken, ["ls", "processors"], columns: 80);
        await Cli.OkAsync("delete", "processor", "-n", "newcomer.broken");

        var error = info.GetProperty("error").GetString()!;
        Assert.Contains("pyfi.processors.missing", error);
        Assert.Contains("│ Error", table.Stdout);
        var lines = table.Stdout.Split('\n');
        var at = Array.FindIndex(lines, line => line.Contains("│ newcomer.broken ", StringComparison.Ordinal));
        Assert.Matches(@"│ error\s+│ 0\s+│ ", lines[at]);
        // The Error column is the last; a long reason wraps inside its cell onto the row's next lines.
        var cell = string.Join(' ', lines.Skip(at).TakeWhile((line, i) => i == 0 || line.StartsWith("│ ", StringComparison.Ordinal) && line.Split('│')[1].Trim().Length == 0)
            .Select(line => line.Split('│')[^2].Trim()));
        var reason = error.Trim().Split('\n')[0];
        Assert.Equal(reason.Length <= 100 ? reason : reason[..99] + "…", cell);
        Assert.Matches($@"Error\s+{Regex.Escape(error.Trim().Split('\n')[0])}", details.Stdout);
        // On an 80-column terminal: the columns that say what it is and why it does not run, wrapped, not "…".
        Assert.Equal(0, narrow.ExitCode);
        Assert.Matches(@"│ Name\s+│ Module\s+│ Repository\s+│ Commit\s+│ Status\s+│ Sockets\s+│ Error\s+│", narrow.Stdout);
        Assert.Matches(@"│ error\s+│ 0\s+│ module\s", narrow.Stdout);
        Assert.All(narrow.Stdout.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 90, line));
    }

    [Fact]
    public async Task FlowRunOnATerminalShowsTheWorkflowsIdWhichFindsItsCalls()
    {
        var file = fixture.Scratch.File("newcomer-flow.yaml");
        await File.WriteAllTextAsync(file, "pipeline:\n  - {socket: do_something, args: [One]}\n  - {socket: do_this, args: [Two]}\n");

        var run = await TerminalCli.RunAsync(fixture.Silo.Gateway, fixture.Silo.AdminToken, ["flow", "run", "-f", file]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var started = StartedLine().Match(run.Stdout);
        Assert.True(started.Success, run.ToString());
        var id = started.Groups["id"].Value;
        Assert.True(run.Stdout.IndexOf("This: Message: One Two", StringComparison.Ordinal) > started.Index, run.ToString());

        var graph = await Cli.OkAsync("ls", "call", "--id", id, "-g");
        var tree = await Cli.OkAsync("ls", "call", "--id", id, "-t");
        var json = Json(await Cli.OkAsync("ls", "call", "--id", id, "-g", "--json"));
        var plain = await Cli.RunAsync(["ls", "call", "--id", id]);
        var step = Json(await Cli.OkAsync("ls", "calls", "-s", "do_this", "--limit", "1000", "--json")).EnumerateArray()
            .Single(c => c.TryGetProperty("workflow", out var w) && w.GetString() == id).GetProperty("id").GetString();
        var calls = await Cli.OkAsync("ls", "calls", "-s", "do_this", "--limit", "1000");
        var unknown = Guid.NewGuid();
        var neither = await Cli.RunAsync(["ls", "call", "--id", unknown.ToString(), "-g"]);

        Assert.Matches($@"^workflow {id} · succeeded · [\d.]+ ms · 2/2 steps\n└── pipeline\n    ├── do_something · succeeded · [\d.]+ ms · [0-9a-f-]{{36}}\n    └── do_this · succeeded · [\d.]+ ms · [0-9a-f-]{{36}}\n$", graph.Stdout);
        Assert.DoesNotContain("◀", graph.Stdout);
        // -t: the calls each fed, from the workflow's first (do_this was fed by do_something).
        Assert.Matches($@"^workflow {id} · succeeded · 2/2 steps\n└── do_something · succeeded · [\d.]+ ms · [0-9a-f-]{{36}}\n    └── do_this · succeeded · [\d.]+ ms · [0-9a-f-]{{36}}\n$", tree.Stdout);
        Assert.False(json.TryGetProperty("call", out _), "a workflow's graph marks no call");
        Assert.Equal(id, json.GetProperty("flow").GetProperty("id").GetString());
        Assert.Equal(2, json.GetProperty("calls").GetArrayLength());
        Assert.Equal(1, plain.ExitCode);
        Assert.Equal($"pyfi: {id} is a workflow, not a call: pyfi ls call --id {id} -g draws its calls, pyfi flow result --id {id} gives its result\n", plain.Stderr);
        Assert.Contains("│ Workflow", calls.Stdout);
        var row = Assert.Single(calls.Stdout.Split('\n'), line => line.Contains(step!, StringComparison.Ordinal));
        Assert.Matches($@"^│ {step} │ do_this\s+│ succeeded\s+│ 1\s+│ .* │ {id} │$", row);
        Assert.Equal(1, neither.ExitCode);
        Assert.Equal($"pyfi: call or workflow '{unknown}' does not exist\n", neither.Stderr);
    }

    [Fact]
    public async Task FlowRunInAScriptKeepsStandardErrorForFailures()
    {
        var file = fixture.Scratch.File("newcomer-script.yaml");
        await File.WriteAllTextAsync(file, "socket: do_this\nargs: [quiet]\n");

        var run = await Cli.OkAsync("flow", "run", "-f", file);

        Assert.Equal("This: quiet\n", run.Stdout);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task ACallOrWorkflowNotEndedYetIsExitThree()
    {
        var call = (await Cli.OkAsync("task", "run", "-s", "sleepy", "-d", "300", "--no-wait")).Stdout.Trim();
        var file = fixture.Scratch.File("newcomer-long.yaml");
        await File.WriteAllTextAsync(file, "pipeline: [{socket: sleepy, args: [300]}, {socket: noop}]\n");
        var flow = (await Cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim();

        var callResult = await Cli.RunAsync(["task", "result", "--id", call]);
        var flowResult = await Cli.RunAsync(["flow", "result", "--id", flow]);
        var flowJson = await Cli.RunAsync(["flow", "result", "--id", flow, "--json"]);
        await Cli.OkAsync("task", "cancel", "--id", call);
        await Cli.OkAsync("flow", "cancel", "--id", flow);
        var cancelled = await Cli.RunAsync(["task", "result", "--id", call]);

        Assert.Equal(3, callResult.ExitCode);
        Assert.Matches($@"^pyfi: call {call} is (queued|running)\n$", callResult.Stderr);
        Assert.Empty(callResult.Stdout);
        Assert.Equal(3, flowResult.ExitCode);
        Assert.Matches($@"^pyfi: workflow {flow} is running: 0 of 2 steps done\n$", flowResult.Stderr);
        Assert.Equal(3, flowJson.ExitCode);
        Assert.Equal("running", Json(flowJson).GetProperty("state").GetString());
        Assert.Equal(1, cancelled.ExitCode);
    }

    [Fact]
    public async Task IdleWorkersAreSaidNotLeftBlank()
    {
        // Slots give their cores back soon after their last call (other tests of this class may have run some, and a
        // slot may take one again for a moment): the table is read until it says so itself, not after a JSON look.
        CliResult all = null!;
        await Poll.UntilAsync(async () => (all = await Cli.OkAsync("ls", "workers")).Stdout.StartsWith("No worker slot holds a core", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "every worker slot to give its core back");

        var one = await Cli.OkAsync("ls", "workers", "-s", "do_something");

        Assert.Equal(
            "No worker slot holds a core: the workers are idle. A socket's slots take cores while it has calls to run and give them back soon after (pyfi ls agents shows each silo's cores).\n",
            all.Stdout);
        Assert.StartsWith("No worker slot of socket 'do_something' holds a core: the workers are idle.", one.Stdout);
        Assert.Empty(all.Stderr);
    }

    private static JsonElement Json(CliResult result) => JsonDocument.Parse(result.Stdout).RootElement.Clone();

    [GeneratedRegex(@"workflow (?<id>[0-9a-f-]{36}) started: pyfi flow watch --id \k<id> follows it, pyfi ls call --id \k<id> -g draws it\n")]
    private static partial Regex StartedLine();
}
