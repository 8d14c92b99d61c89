using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pyfi.Client.Workflows;
using Pyfi.Protocol;
using Pyfi.Tests.Infrastructure;
using static Pyfi.Client.Workflows.Flow;

namespace Pyfi.Tests.Execution;

/// <summary>
/// One depth limit (64) from the CLI through the gateway, the grains and Python, against a real silo: what is
/// within it runs, what is past it is refused in one clear line by whichever part it reaches first, and raw
/// gateway requests that found .NET exceptions are answered with what is wrong.
/// </summary>
public sealed class InputLimitTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    private static string Nested(int depth, string inside = "") => new string('[', depth) + inside + new string(']', depth);

    [Fact]
    public async Task ArgumentsNestedToTheLimitReachPythonAndComeBack()
    {
        var data = await fixture.Cli.RunAsync(["task", "run", "-s", "noop", "--data", Nested(PyfiLimits.MaxDepth, "1")]);
        var kwargs = await fixture.Cli.RunAsync(["task", "run", "-s", "echo", "--nodata", "--kwargs", "{'k': " + Nested(PyfiLimits.MaxDepth - 1, "1") + "}"]);

        // noop gets the one argument inside the list; echo's result is two levels deeper than what it got, and prints.
        Assert.True(data.ExitCode == 0, data.ToString());
        Assert.Equal(Nested(PyfiLimits.MaxDepth - 1, "1") + "\n", data.Stdout);
        Assert.True(kwargs.ExitCode == 0, kwargs.ToString());
        Assert.Equal($"{{\"args\":[],\"kwargs\":{{\"k\":{Nested(PyfiLimits.MaxDepth - 1, "1")}}}}}\n", kwargs.Stdout);
    }

    [Fact]
    public async Task RawGatewayRequestsAreAnsweredWithWhatIsWrong()
    {
        using var gateway = await RawGateway.ConnectAsync(fixture.Silo.GatewayPort, fixture.Silo.AdminToken);

        // task.run without args is a call with no arguments: noop() returns None.
        var noArgs = await gateway.SendAsync(gateway.Request("task.run", """{"socket": "noop"}"""));
        Assert.True(noArgs.GetProperty("ok").GetBoolean(), noArgs.ToString());
        Assert.Equal("null", noArgs.GetProperty("result").GetProperty("result").GetString());

        string RunNoop(string args) => gateway.Request("task.run", $$"""{"socket": "noop", "args": {{args}}}""");
        var refusals = new Dictionary<string, string>
        {
            [gateway.Request("task.run", """{"socket": ""}""")] = "the socket name is empty",
            [gateway.Request("task.run", """{"args": [1]}""")] = "the socket name is empty",
            [RunNoop("5")] = "task.run's args must be a JSON array of positional arguments",
            [RunNoop("""[], "kwargs": [1]""")] = "task.run's kwargs must be a JSON object of keyword arguments",
            [RunNoop(Nested(PyfiLimits.MaxDepth + 1))] = "the call's positional arguments nest deeper than 64 levels",
            [RunNoop("""[], "kwargs": {"k": """ + Nested(PyfiLimits.MaxDepth) + "}")] = "the call's keyword arguments nest deeper than 64 levels",
            [RunNoop(Nested(10_000))] = "the request is malformed: it nests deeper than 136 levels at $.args (line 1, byte 189)",
            [gateway.Request("task.run", "null")] = "the request needs its arguments, a JSON object",
            [gateway.Request("task.run", """{"socket": 5}""")] = "the request's arguments are malformed: a value has the wrong type at $.socket (line 1, byte 13)",
            [gateway.Request("flow.start", """{"kind": "call", "socket": "noop", "args": "[[["}""")] =
                "the arguments of the workflow (noop) are not valid JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed (line 1, byte 4)",
            ["""{"op": 5}"""] = "the request is malformed: a value has the wrong type at $.op (line 1, byte 9)",
            ["not json"] = "the request is malformed: 'not json' is an invalid JSON literal. Expected the literal 'null' (line 1, byte 2)",
        };
        foreach (var (request, message) in refusals)
        {
            var answer = await gateway.SendAsync(request);
            Assert.False(answer.GetProperty("ok").GetBoolean(), request);
            Assert.Equal("InvalidSpec", answer.GetProperty("error").GetProperty("kind").GetString());
            Assert.Equal(message, answer.GetProperty("error").GetProperty("message").GetString());
        }

        // The connection serves on after each refusal.
        Assert.True((await gateway.SendAsync(gateway.Request("hello", "null"))).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task AWorkflowNestedToTheLimitRunsFromTheClientAndTheGatewayAndOneLevelMoreIsRefused()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var noop = pyfi.Socket<int, int>("noop");
        PyfiStep Deep(int depth) => depth == 1 ? noop.Bind(7) : Pipeline(Deep(depth - 1));

        var fromClient = await pyfi.RunAsync<int>(Deep(PyfiLimits.MaxDepth));
        var tooDeep = await Assert.ThrowsAsync<InvalidSpecException>(() => pyfi.StartAsync(Deep(PyfiLimits.MaxDepth + 1)));
        using var gateway = await RawGateway.ConnectAsync(fixture.Silo.GatewayPort, fixture.Silo.AdminToken);
        var started = await gateway.SendAsync(gateway.Request(GatewayOps.StartFlow, PyfiJson.Serialize(Deep(PyfiLimits.MaxDepth).Graph)));
        var id = started.GetProperty("result").GetProperty("id").GetGuid();
        var fromGateway = await pyfi.Flow(id).GetAsync<int>(TimeSpan.FromMinutes(1));

        Assert.Equal((7, 7), (fromClient, fromGateway));
        Assert.EndsWith("nests deeper than 64 levels", tooDeep.Message);
    }

    [Fact]
    public async Task AWorkflowWhoseResultsNestPastTheLimitFailsAtTheStepTheyWouldReach()
    {
        // echo's result nests two levels deeper than its arguments: 31 of them make a result 62 deep; two
        // parallels put it 64 deep, so the last echo's arguments would be 65 deep.
        var file = fixture.Scratch.File($"deepening-{Guid.NewGuid():N}.yaml");
        var echoes = string.Concat(Enumerable.Repeat("  - {socket: echo}\n", 31));
        await File.WriteAllTextAsync(file, "pipeline:\n" + echoes + "  - parallel: [{parallel: [{socket: noop}]}]\n  - {socket: echo}\n");

        var run = await fixture.Cli.RunAsync(["flow", "run", "-f", file], timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(1, run.ExitCode);
        Assert.True(Regex.IsMatch(run.Stderr, @"^pyfi: workflow [0-9a-f-]{36} failed at step 32 \(echo, call -\): InvalidSpec: the call's positional arguments nest deeper than 64 levels\n$"), run.ToString());
    }

    [Fact]
    public async Task AClientPassingATooDeepArgumentGetsAClearRefusalAndSoDoesARawGrainCall()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var echo = pyfi.Socket<JsonElement>("echo");
        object deepest = 1, tooDeep = 1;
        for (var i = 1; i < PyfiLimits.MaxDepth; i++) deepest = new[] { deepest };
        for (var i = 1; i <= PyfiLimits.MaxDepth; i++) tooDeep = new[] { tooDeep };

        var echoed = await echo.CallAsync([deepest]);
        var call = await Assert.ThrowsAsync<InvalidSpecException>(() => echo.CallAsync([tooDeep]));
        var bind = Assert.Throws<InvalidSpecException>(() => echo.Bind(tooDeep));
        var raw = await Assert.ThrowsAsync<InvalidSpecException>(() =>
            pyfi.Cluster.GetGrain<ISocketGrain>("echo").RunAsync(new CallRequest { Socket = "echo", Args = Nested(10_000) }, TimeSpan.Zero));

        Assert.Equal(PyfiLimits.MaxDepth + 1, JsonDepth(echoed));
        Assert.Equal("an argument of echo (Object[]) nests deeper than the 64 levels a call's arguments may have, or refers to itself", call.Message);
        Assert.Equal(call.Message, bind.Message);
        Assert.Equal("the call's positional arguments nest deeper than 64 levels", raw.Message);
    }

    [Fact]
    public async Task ARawGrainCallNamingAnotherSocketOrImpossibleAttemptsIsRefusedAndNothingIsQueued()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var echo = pyfi.Cluster.GetGrain<ISocketGrain>("echo");
        var before = await CallsOfAsync("echo");

        var other = await Assert.ThrowsAsync<InvalidSpecException>(() => echo.RunAsync(new CallRequest { Socket = "other" }, TimeSpan.Zero));
        var attempts = await Assert.ThrowsAsync<InvalidSpecException>(() => echo.RunAsync(new CallRequest { Socket = "echo", MaxAttempts = 1001 }, TimeSpan.Zero));

        Assert.Equal("the request names socket 'other' but was sent to socket 'echo'", other.Message);
        Assert.Equal("the call's max attempts must be between 1 and 1000", attempts.Message);
        Assert.Equal(before, await CallsOfAsync("echo"));
    }

    private async Task<int> CallsOfAsync(string socket) =>
        JsonDocument.Parse((await fixture.Cli.OkAsync("ls", "calls", "-s", socket, "--limit", "1000", "--json")).Stdout).RootElement.GetArrayLength();

    private static int JsonDepth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(JsonDepth).DefaultIfEmpty(0).Max(),
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => JsonDepth(p.Value)).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    // The gateway protocol spoken by hand: one JSON line out, one back.
    private sealed class RawGateway : IDisposable
    {
        private readonly TcpClient _client;
        private readonly string _token;
        private readonly StreamReader _reader;
        private readonly StreamWriter _writer;

        private RawGateway(TcpClient client, string token)
        {
            _client = client;
            _token = token;
            _reader = new StreamReader(client.GetStream(), Encoding.UTF8);
            _writer = new StreamWriter(client.GetStream(), new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        }

        public static async Task<RawGateway> ConnectAsync(int port, string token)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return new RawGateway(client, token);
        }

        // The token goes last, so where the reader stops in args is the same with and without one.
        public string Request(string op, string args) => $$"""{"op": "{{op}}", "args": {{args}}, "token": "{{_token}}"}""";

        public async Task<JsonElement> SendAsync(string line)
        {
            await _writer.WriteLineAsync(line);
            var answer = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? throw new IOException("the gateway closed the connection");
            using var document = JsonDocument.Parse(answer, new JsonDocumentOptions { MaxDepth = PyfiLimits.MaxMessageDepth });
            return document.RootElement.Clone();
        }

        public void Dispose() => _client.Dispose();
    }
}
