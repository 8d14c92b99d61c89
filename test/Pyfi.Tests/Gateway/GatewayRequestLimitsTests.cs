using System.Diagnostics;
using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Gateway;

/// <summary>
/// A real silo's gateway against requests that are too big, too slow or never sent, on a few connections (the attacks of
/// tens of thousands are <see cref="GatewayAttackTests"/>, which run alone): each refused in one line, or dropped at
/// its timeout, while connections that are busy or waiting for a call stay (docs/security.md, "The gateway port").
/// </summary>
public sealed class GatewayRequestLimitsTests
{
    /// <summary>A mebibyte.</summary>
    internal const long MiB = 1024 * 1024;

    /// <summary>The gateway's answer to a request over the default payload limit.</summary>
    internal const string Refusal = """{"ok":false,"error":{"kind":"InvalidSpec","message":"request larger than 16 MiB (PYFI_MAX_PAYLOAD)"}}""";

    [Fact]
    public async Task IdleAndSlowConnectionsAreDroppedAtTheirTimeoutsWhileBusyAndWaitingOnesStay()
    {
        using var data = new TempDirectory("pyfi-attack");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["PYFI_GATEWAY_IDLE_TIMEOUT"] = "00:00:02",
            ["PYFI_GATEWAY_REQUEST_TIMEOUT"] = "00:00:02",
        });
        // A call that waits for a host no silo runs as: a task.run that waits for it runs as long as the test.
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository, "--hostname", "no-such-host");
        await cli.OkAsync("add", "socket", "-n", "pinned", "-q", "q", "-pn", "sample", "-t", "noop");
        // The idle timeout counts from when the silo accepts the connection, before the other three are made: the clock
        // starts before it connects, so a slow machine's connects are not taken from the time it measures.
        var idleClock = Stopwatch.StartNew();
        using var idle = await RawGatewayConnection.ConnectAsync(silo.GatewayPort);
        using var slow = await RawGatewayConnection.ConnectAsync(silo.GatewayPort);
        using var busy = await RawGatewayConnection.ConnectAsync(silo.GatewayPort, silo.AdminToken);
        using var waiting = await RawGatewayConnection.ConnectAsync(silo.GatewayPort, silo.AdminToken);
        using var stop = new CancellationTokenSource();
        await waiting.WriteAsync(waiting.Request("task.run", """{"socket":"pinned","args":[1],"wait":true}""") + "\n");
        var waited = waiting.ReadLineAsync(TimeSpan.FromMinutes(2));

        var idleBefore = idleClock.Elapsed;
        var idleClosed = idle.WaitForCloseAsync(TimeSpan.FromSeconds(30));
        var kept = KeepBusyAsync(busy);
        var slowClock = Stopwatch.StartNew();
        var dribble = DribbleAsync(slow, "{\"op\":\"queue.list\"", stop.Token);
        var refusal = await slow.ReadLineAsync(TimeSpan.FromSeconds(30));
        var slowTook = slowClock.Elapsed;
        var slowClosed = await slow.WaitForCloseAsync(TimeSpan.FromSeconds(30));
        var idleTook = idleBefore + await idleClosed;
        await stop.CancelAsync();
        await dribble;
        await kept;

        Assert.InRange(idleTook, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
        Assert.Equal("""{"ok":false,"error":{"kind":"InvalidSpec","message":"request not received whole within 00:00:02 (PYFI_GATEWAY_REQUEST_TIMEOUT)"}}""", refusal);
        Assert.InRange(slowTook, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
        Assert.True(slowClosed < TimeSpan.FromSeconds(5), $"the slow connection stayed open {slowClosed} after its refusal");
        Assert.StartsWith("{\"ok\":true", await busy.RequestAsync("queue.list"));
        Assert.False(waited.IsCompleted, $"the task.run waiting for its call was answered or closed: {(waited.IsCompleted ? await waited : "")}");
        // Cancelled, the call ends and its wait is answered (and the silo has no call to place when it stops).
        var call = JsonDocument.Parse((await cli.OkAsync("ls", "calls", "--json")).Stdout).RootElement[0].GetProperty("id").GetString()!;
        await cli.OkAsync("task", "cancel", "--id", call);
        Assert.Contains("\"state\":\"cancelled\"", await waited);
    }

    [Fact]
    public async Task ARequestLargerThanThePayloadLimitIsRefusedWithOneLineAndNothingIsStored()
    {
        using var data = new TempDirectory("pyfi-attack");
        await using var silo = await SiloProcess.StartAsync(data.Path);
        var cli = silo.Cli();
        await AddSocketAsync(cli);

        // What the pyfi tool would refuse to send itself: a 17 MB line, whole, with its newline.
        using var gateway = await RawGatewayConnection.ConnectAsync(silo.GatewayPort, silo.AdminToken);
        await gateway.WriteAsync(gateway.Request("task.run", $$"""{"socket":"big.s","args":["{{new string('x', 17_000_000)}}"]}""") + "\n");
        var answer = await gateway.ReadLineAsync(TimeSpan.FromSeconds(60));
        var after = await gateway.ReadLineAsync(TimeSpan.FromSeconds(60));
        // An Orleans client bypasses the gateway (and the typed socket's own check): the socket refuses.
        await using var client = await silo.ConnectAsync();
        var request = new CallRequest { Socket = "big.s", Args = $"[\"{new string('y', 17_000_000)}\"]" };
        var direct = await Assert.ThrowsAsync<InvalidSpecException>(() => client.Cluster.GetGrain<ISocketGrain>("big.s").RunAsync(request, TimeSpan.Zero));

        Assert.Equal(Refusal, answer);
        Assert.Null(after);
        Assert.Equal("the call's positional arguments are larger than 16 MiB (PYFI_MAX_PAYLOAD)", direct.Message);
        Assert.Equal("[]", (await cli.OkAsync("ls", "calls", "--json")).Stdout.Trim());
    }

    [Fact]
    public async Task TaskRunAndCallGetAnswerWithoutTheArgumentsTheCallerSent()
    {
        using var data = new TempDirectory("pyfi-attack");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_MAX_PAYLOAD"] = (48 * MiB).ToString() });
        await AddSocketAsync(silo.Cli());
        using var gateway = await RawGatewayConnection.ConnectAsync(silo.GatewayPort, silo.AdminToken);
        var argument = new string('z', 30_000_000);

        var run = await gateway.RequestAsync("task.run", $$"""{"socket":"big.s","args":["{{argument}}"],"wait":false}""");
        var id = JsonDocument.Parse(run).RootElement.GetProperty("result").GetProperty("id").GetString();
        var get = await gateway.RequestAsync("call.get", $$"""{"id":"{{id}}"}""");
        var shown = await gateway.RequestAsync("call.get", $$"""{"id":"{{id}}","withArguments":true}""");

        Assert.StartsWith("{\"ok\":true", run);
        Assert.True(run.Length < 2000, $"task.run answered {run.Length} characters");
        Assert.DoesNotContain("zzz", run);
        Assert.True(get.Length < 2000, $"call.get answered {get.Length} characters");
        Assert.Contains(argument, shown);
    }

    // A socket whose processor cannot deploy: what it is given is stored, and never run.
    private static async Task AddSocketAsync(PyfiCli cli)
    {
        await cli.OkAsync("add", "queue", "-n", "big.q");
        await cli.OkAsync("add", "processor", "-n", "big.p", "-g", "file:///srv/git/p.git", "-m", "pkg.mod", "--commit", "deadbeef");
        await cli.OkAsync("add", "socket", "-n", "big.s", "-q", "big.q", "-pn", "big.p", "-t", "work");
    }

    // A request every half second for 5 s: never idle for 2 s, never slow.
    private static async Task KeepBusyAsync(RawGatewayConnection connection)
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.StartsWith("{\"ok\":true", await connection.RequestAsync("queue.list"));
            await Task.Delay(500);
        }
    }

    // One byte of a request every quarter second, never its end.
    private static async Task DribbleAsync(RawGatewayConnection connection, string text, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
            {
                await connection.WriteAsync(text[i % text.Length].ToString());
                await Task.Delay(250, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // Closed by the silo, or the test is done.
        }
    }
}
