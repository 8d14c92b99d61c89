using System.Text.Json;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Workflows;

/// <summary><c>pyfi flow run/result/watch/cancel</c> and <c>pyfi ls call -g/-t</c>, the real tool against a real silo.</summary>
public sealed class FlowCliTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    // The seed's example, as a workflow file.
    private const string SeedYaml = """
        # FUNNEL: funnel([Eight, _parallel, Nine])(do_something("Four"))
        funnel:
          - socket: do_something
            args: [Eight]
          - parallel:
              - pipeline:
                  - {socket: do_something, args: [One]}
                  - {socket: do_something, args: [Two]}
                  - parallel:
                      - {socket: do_something, args: [Four]}
                      - {socket: do_something, args: [Five]}
                  - {socket: do_something, args: [Three]}
              - {socket: do_something, args: Six}
              - {socket: do_something, args: [Seven]}
          - socket: do_something
            args: ["Nine"]
        final:
          socket: do_something
          args: [Four]
        """;

    [Fact]
    public async Task FlowRunRunsTheSeedsExampleFromYamlAndPrintsWhatTheOriginalWould()
    {
        var file = Write("seed.yaml", SeedYaml);

        var run = await fixture.Cli.OkAsync("flow", "run", "-f", file);

        Assert.Equal(WorkflowTests.SeedResult + "\n", run.Stdout);
    }

    [Fact]
    public async Task AJsonWorkflowRunsWithoutWaitingAndIsFollowedByIdUntilItsResult()
    {
        var file = Write("flow.json", """{"pipeline": [{"socket": "noop", "args": [1.5]}, {"socket": "sleepy"}, {"socket": "sleepy"}, {"socket": "echo", "args": ["x"], "kwargs": {"k": true}}]}""");

        var id = (await fixture.Cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim();
        var watch = await fixture.Cli.OkAsync("flow", "watch", "--id", id);
        var result = await fixture.Cli.OkAsync("flow", "result", "--id", id, "--wait");
        var json = await fixture.Cli.OkAsync("flow", "result", "--id", id, "--json");

        Assert.EndsWith("4/4 steps done (succeeded)\n", watch.Stdout);
        Assert.Equal("{\"args\":[1.5,\"x\"],\"kwargs\":{\"k\":true}}\n", result.Stdout);
        using var info = JsonDocument.Parse(json.Stdout);
        Assert.Equal("succeeded", info.RootElement.GetProperty("state").GetString());
        Assert.Equal(4, info.RootElement.GetProperty("done").GetInt32());
    }

    [Fact]
    public async Task AFailingStepFailsTheRunWithItsErrorOnStandardError()
    {
        var file = Write("failing.yaml", """
            funnel:
              - {socket: noop, args: [1]}
              - {socket: fail, args: [7]}
            final: {socket: echo}
            """);

        var run = await fixture.Cli.RunAsync(["flow", "run", "-f", file]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Matches(@"^pyfi: workflow [0-9a-f-]{36} failed at step 1 \(fail, call [0-9a-f-]{36}\): ValueError: bad value 7 \(attempt 3 of 3\)\n", run.Stderr);
        Assert.Contains("raise ValueError", run.Stderr);
    }

    [Theory]
    [InlineData("funnel: [{socket: noop}]", "pyfi: the workflow: a funnel needs a final step (final: …)")]
    [InlineData("pipeline: [{socket: noop, arg: [1]}]", "pyfi: the workflow.pipeline[0]: 'arg' does not belong in a call step (it may have socket, args, kwargs)")]
    [InlineData("parallel: []", "pyfi: the workflow.parallel: needs a list of one or more steps")]
    [InlineData("pipeline: [{socket: noop}, {socket: nope}]", "pyfi: socket 'nope' does not exist")]
    [InlineData("socket: noop\nkwargs: [1]", "pyfi: the workflow: kwargs must be a mapping of names to values")]
    [InlineData("pipeline: [socket: noop", "pyfi: the workflow file is not valid YAML or JSON: ")]
    [InlineData("{\"pipeline\": [}", "pyfi: the workflow file is not valid YAML or JSON: ")]
    public async Task AMalformedWorkflowFileIsRefusedWithWhereAndWhy(string text, string error)
    {
        var file = Write($"bad-{Guid.NewGuid():N}.yaml", text);

        var run = await fixture.Cli.RunAsync(["flow", "run", "-f", file]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith(error, run.Stderr);
    }

    [Fact]
    public async Task AMissingFileAndAnUnknownWorkflowAreClearErrors()
    {
        var missing = await fixture.Cli.RunAsync(["flow", "run", "-f", "/nonexistent/flow.yaml"]);
        var unknown = Guid.NewGuid();
        var result = await fixture.Cli.RunAsync(["flow", "result", "--id", unknown.ToString()]);

        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("pyfi: cannot read the workflow file /nonexistent/flow.yaml: ", missing.Stderr);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"pyfi: workflow '{unknown}' does not exist\n", result.Stderr);
    }

    [Fact]
    public async Task LsCallDrawsTheWholeWorkflowAndTheCallsBelowOne()
    {
        var file = Write("graph.yaml", SeedYaml);
        var id = (await fixture.Cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim();
        var flow = await fixture.Cli.OkAsync("flow", "result", "--id", id, "--wait", "--json");
        using var info = JsonDocument.Parse(flow.Stdout);
        var steps = info.RootElement.GetProperty("steps");
        var first = steps[1].GetProperty("call").GetString()!; // do_something("One"), the pipeline's first step

        var graph = await fixture.Cli.OkAsync("ls", "call", "--id", first, "-g");
        var tree = await fixture.Cli.OkAsync("ls", "call", "--id", first, "-t");
        var json = await fixture.Cli.OkAsync("ls", "call", "--id", first, "-g", "--json");

        Assert.StartsWith($"workflow {id} · succeeded · ", graph.Stdout);
        foreach (var node in new[] { "funnel", "parallel", "pipeline", "final" }) Assert.Contains($"── {node}\n", graph.Stdout);
        Assert.Equal(10, graph.Stdout.Split('\n').Count(l => l.Contains("do_something · succeeded · ")));
        Assert.Contains($"{first} ◀", graph.Stdout);
        // Below "One": "Two", then the parallel's "Four" and "Five" fed by "Two", then "Three" (fed by the last of the parallel).
        var lines = tree.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"do_something · succeeded · ", lines[0]);
        Assert.Equal(5, lines.Count(l => l.Contains("do_something")));
        using var calls = JsonDocument.Parse(json.Stdout);
        Assert.Equal(10, calls.RootElement.GetProperty("calls").GetArrayLength());
        Assert.Equal(id, calls.RootElement.GetProperty("flow").GetProperty("id").GetString());
    }

    [Fact]
    public async Task FlowCancelStopsAWorkflow()
    {
        var file = Write("long.yaml", "pipeline: [{socket: sleepy, args: [30]}, {socket: noop}]");
        var id = (await fixture.Cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim();

        var cancel = await fixture.Cli.OkAsync("flow", "cancel", "--id", id);
        var result = await fixture.Cli.RunAsync(["flow", "result", "--id", id]);
        var again = await fixture.Cli.RunAsync(["flow", "cancel", "--id", id]);

        Assert.Equal($"workflow {id} cancelled\n", cancel.Stdout);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"pyfi: workflow {id} was cancelled", result.Stderr);
        Assert.Equal(0, again.ExitCode);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(fixture.Scratch.Path, name);
        File.WriteAllText(path, text);
        return path;
    }
}
