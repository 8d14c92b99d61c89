using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Execution;

/// <summary><c>pyfi task run</c> against a real silo running real Python from a real git repository.</summary>
public sealed class TaskRunTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task DataIsAPythonLiteralAndAListIsSpreadAsArguments()
    {
        Assert.Equal("Message: some data", (await Cli.OkAsync("task", "run", "--socket", "do_something", "--data", "['some data']")).Stdout.Trim());
        Assert.Equal("Message: a 2 3.5", (await Cli.OkAsync("task", "run", "-s", "do_something", "-d", "('a', 2, 3.5)")).Stdout.Trim());
        Assert.Equal("Message: ['not', 'spread']", (await Cli.OkAsync("task", "run", "-s", "do_something", "-d", "[['not', 'spread']]")).Stdout.Trim());
        Assert.Equal("Message: {'a': 1}", (await Cli.OkAsync("task", "run", "-s", "do_something", "-d", "{'a': 1}")).Stdout.Trim());
    }

    [Fact]
    public async Task ResultsPrintAsStringsOrJsonAndKwargsArePassed()
    {
        var echo = await Cli.OkAsync("task", "run", "-s", "echo", "-d", "[1, 'two', None, True, 2.0]", "--kwargs", "{'key': 'value', 'n': -3}");
        var parsed = JsonDocument.Parse(echo.Stdout).RootElement;
        Assert.Equal("[1,\"two\",null,true,2.0]", parsed.GetProperty("args").GetRawText());
        Assert.Equal("value", parsed.GetProperty("kwargs").GetProperty("key").GetString());
        Assert.Equal(-3, parsed.GetProperty("kwargs").GetProperty("n").GetInt32());
        Assert.Equal("\"x\"", (await Cli.OkAsync("task", "run", "-s", "noop", "-d", "'x'", "--json")).Stdout.Trim());
        Assert.Equal("x", (await Cli.OkAsync("task", "run", "-s", "noop", "-d", "'x'")).Stdout.Trim());
        Assert.Equal("null", (await Cli.OkAsync("task", "run", "-s", "noop", "--nodata")).Stdout.Trim());
    }

    [Fact]
    public async Task StandardInputLinesAreStrippedAndJoinedUpToTheFirstBlankLine()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "noop"], stdin: "  HI THERE!  \nsecond\n\nignored\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("HI THERE!second", result.Stdout.TrimEnd('\n'));
    }

    [Fact]
    public async Task APythonExceptionExitsOneWithTypeMessageAndTraceback()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "fail", "-d", "42"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        var lines = result.Stderr.Trim().Split('\n');
        Assert.Equal("pyfi: fail failed: ValueError: bad value 42 (attempt 3 of 3)", lines[0]);
        Assert.Contains(lines, l => l.Contains("sample.py\", line") && l.Contains("in fail"));
        Assert.Equal("ValueError: bad value 42", lines[^1]);
        Assert.DoesNotContain("pyfi_worker.py", result.Stderr);
    }

    [Fact]
    public async Task WhatAFunctionPrintsIsKeptWithTheCallAndNotMixedIntoItsResult()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "shout", "-d", "'hello'", "-v"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("HELLO\n", result.Stdout);
        var id = CallId(result.Stderr);
        var call = JsonDocument.Parse((await Cli.OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement;
        Assert.Equal("succeeded", call.GetProperty("state").GetString());
        Assert.Equal("shouting hello\nand on stderr\n", call.GetProperty("output").GetString());
        Assert.Equal("\"HELLO\"", call.GetProperty("result").GetString());
        var table = (await Cli.OkAsync("ls", "call", "--id", id)).Stdout;
        Assert.Contains("shouting hello", table);
    }

    [Fact]
    public async Task AResultThatIsNotJsonIsAClearError()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "not_json", "--nodata"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("pyfi: not_json failed: ResultNotSerializable: the result of not_json() cannot be sent back as JSON: Object of type set is not JSON serializable",
            result.Stderr);
    }

    [Theory]
    [InlineData("['unclosed", "--data is not a Python literal: a string is never closed (at character 2)")]
    [InlineData("os.system('x')", "--data is not a Python literal: 'os' is a name, not a literal (strings need quotes) (at character 1)")]
    [InlineData("{1, 2}", "--data is not a Python literal: sets cannot be sent as JSON; use a list")]
    [InlineData("1+2j", "--data is not a Python literal: unexpected '+' after the value")]
    public async Task DataThatIsNotALiteralIsRefusedBeforeAnythingRuns(string data, string message)
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "noop", "-d", data]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"pyfi: {message}", result.Stderr.Trim());
    }

    [Fact]
    public async Task AnUnknownSocketIsAClearError()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "no.such.socket", "-d", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pyfi: socket 'no.such.socket' does not exist", result.Stderr.Trim());
    }

    [Fact]
    public async Task AFunctionTheModuleDoesNotHaveIsAClearError()
    {
        await Cli.OkAsync("add", "socket", "-n", "missing.function", "-q", "q", "-pn", "sample", "-t", "no_such_function");

        var result = await Cli.RunAsync(["task", "run", "-s", "missing.function", "-d", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pyfi: missing.function failed: FunctionNotFound: module 'pyfi.processors.sample' has no function 'no_such_function'", result.Stderr.Trim());
    }

    [Fact]
    public async Task AWorkerKilledMidCallIsReplacedAndTheCallStillCompletes()
    {
        var marker = fixture.Scratch.File($"crash-{Guid.NewGuid():N}");

        var result = await Cli.RunAsync(["task", "run", "-s", "crash_once", "-d", $"'{marker}'", "-v"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("survived", result.Stdout.Trim());
        var call = JsonDocument.Parse((await Cli.OkAsync("ls", "call", "--id", CallId(result.Stderr), "--json")).Stdout).RootElement;
        Assert.Equal(2, call.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task CallsAreStoredWithTheCommitTheyRan()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "version", "--nodata", "-v"]);
        var head = (await fixture.Repository.GitAsync("rev-parse", "HEAD")).Trim();

        var call = JsonDocument.Parse((await Cli.OkAsync("ls", "call", "--id", CallId(result.Stderr), "--json")).Stdout).RootElement;

        Assert.Equal(head, call.GetProperty("commit").GetString());
        Assert.Equal("v1", result.Stdout.Trim());
        Assert.Equal(1, call.GetProperty("attempts").GetInt32());
        Assert.Equal("version", call.GetProperty("socket").GetString());
    }

    [Fact]
    public async Task ACallIsSeenQueuedThenRunningThenEndedByItsId()
    {
        await using var client = await fixture.Silo.ConnectAsync();
        var accepted = await client.Cluster.GetGrain<ISocketGrain>("slow_version")
            .RunAsync(new CallRequest { Socket = "slow_version", Args = "[1.5]" }, TimeSpan.Zero);
        var call = client.Cluster.GetGrain<ITaskCallGrain>(accepted.Id);

        Assert.Equal(CallState.Queued, accepted.State);
        var running = await call.GetAsync();
        for (var i = 0; i < 100 && running.State == CallState.Queued; i++)
        {
            await Task.Delay(20);
            running = await call.GetAsync();
        }

        Assert.Equal(CallState.Running, running.State);
        Assert.Equal(1, running.Attempts);
        Assert.StartsWith("slow_version#", running.Slot);
        var ended = await call.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(CallState.Succeeded, ended.State);
        Assert.Equal("\"v1\"", ended.Result);
        Assert.Equal(ended, await call.GetAsync());
    }

    [Fact]
    public async Task AnUnknownCallIdIsAClearError()
    {
        var id = Guid.NewGuid();

        var result = await Cli.RunAsync(["ls", "call", "--id", id.ToString()]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"pyfi: call or workflow '{id}' does not exist", result.Stderr.Trim());
    }

    /// <summary>The call id from <c>task run -v</c>'s line on stderr.</summary>
    internal static string CallId(string stderr) => stderr.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
}
