using System.Diagnostics;
using System.Text.RegularExpressions;
using Pyfi.Client.Calls;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// Clients ride through a silo's loss: two silos on PostgreSQL with calls running on both, one killed with -9, and
/// every call asked about at once through the other, by the <c>pyfi</c> tool and by the .NET client. Every answer
/// arrives, and no output names an Orleans (or any .NET) exception. Real silo processes, real Python, real PostgreSQL.
/// </summary>
public sealed partial class SiloLossClientTests(ITestOutputHelper output)
{
    private const int Calls = 8;

    // Long enough that calls are still running on the killed silo, and that the waits span its declaration as dead.
    private const int Seconds = 8;

    [Fact]
    public async Task EveryCallAskedThroughTheSurvivingSiloIsAnsweredWithoutOrleansErrors()
    {
        await using var network = await PostgresNetwork.CreateAsync("ride");
        using var effects = new TempDirectory("pyfi-ride");
        var a = await network.StartSiloAsync();
        var b = await network.StartSiloAsync();
        var cli = await network.AddSampleAsync(a);
        await cli.OkAsync("add", "socket", "-n", "ride", "-q", "q", "-pn", "sample", "-t", "append", "-c", "4", "--max-attempts", "5", "--backoff", "100ms");
        await using var client = await network.ConnectAsync(a);
        var file = Path.Combine(effects.Path, "effects.txt");
        var socket = client.Socket<int>("ride");
        var calls = new List<PyfiCall>();
        for (var i = 0; i < Calls; i++) calls.Add(await socket.StartAsync([file, i, Seconds]));

        await Poll.UntilAsync(() => PythonProcesses.Of(network.DataOf(b)).Count > 0, TimeSpan.FromSeconds(90), "a call to run on the silo to kill");
        await b.KillAsync();
        var clock = Stopwatch.StartNew();

        // Everything at once through the survivor, while the cluster is still finding out: the tool's waits, a
        // submission, a listing, and the .NET client's waits on handles taken up by id.
        var tool = calls.Select(c => cli.RunAsync(["task", "result", "--id", c.Id.ToString(), "--wait"], timeout: TimeSpan.FromMinutes(3))).ToList();
        var submitted = cli.RunAsync(["task", "run", "-s", "ride", "-d", $"['{file}', 100, 0]"], timeout: TimeSpan.FromMinutes(3));
        var listed = cli.RunAsync(["ls", "calls", "-s", "ride"], timeout: TimeSpan.FromMinutes(3));
        var dotnet = calls.Select(c => client.Call(c.Id).WaitAsync(TimeSpan.FromMinutes(3))).ToList();

        var answers = await Task.WhenAll(tool);
        var ended = await Task.WhenAll(dotnet);
        var extra = new[] { await submitted, await listed };
        output.WriteLine($"every answer within {clock.Elapsed.TotalSeconds:0.0} s of the kill");

        for (var i = 0; i < Calls; i++)
        {
            Assert.True(answers[i].ExitCode == 0, $"task result of call {i}:\n{answers[i]}");
            Assert.Equal(i.ToString(), answers[i].Stdout.Trim());
            Assert.Equal(CallState.Succeeded, ended[i].State);
            Assert.Equal(i.ToString(), ended[i].Result);
        }

        Assert.True(extra[0].ExitCode == 0, $"task run during the loss:\n{extra[0]}");
        Assert.Equal("100", extra[0].Stdout.Trim());
        Assert.True(extra[1].ExitCode == 0, $"ls calls during the loss:\n{extra[1]}");
        foreach (var result in answers.Concat(extra)) AssertNoDotnetNames(result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task AWaiterThatLeavesHoldsNothingOnTheGateway()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-leave");
        // One connection per address: the gateway's own count shows whether a waiting connection is still held.
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS"] = "1" });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await SampleCode.AddSocketsAsync(cli, "sleepy");
        var id = (await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "120", "--no-wait")).Stdout.Trim();

        using (var waiter = await RawGatewayConnection.ConnectAsync(silo.GatewayPort, silo.AdminToken))
        {
            await waiter.WriteAsync(waiter.Request("call.get", $"{{\"id\":\"{id}\",\"wait\":true}}") + "\n");
            // While it waits it holds the address's one connection: another is turned away.
            await Poll.UntilAsync(async () => await RefusedAsync(silo), TimeSpan.FromSeconds(30), "the waiting connection to hold the gateway");
        }

        // Gone: its wait is dropped (the call runs on), and the connection is free at once, not when the call ends.
        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(async () => !await RefusedAsync(silo), TimeSpan.FromSeconds(20), "the gateway to let go of the waiter that left");
        output.WriteLine($"let go {clock.Elapsed.TotalMilliseconds:0} ms after the waiter left");
        // The call goes on: running, or still queued while a busy machine builds the processor's environment.
        var still = await cli.OkAsync("ls", "call", "--id", id);
        Assert.Matches("running|queued", still.Stdout);
        Assert.DoesNotContain("cancelled", still.Stdout);
    }

    // Whether a new connection is turned away at the per-address limit (else it is answered).
    private static async Task<bool> RefusedAsync(SiloProcess silo)
    {
        using var probe = await RawGatewayConnection.ConnectAsync(silo.GatewayPort, silo.AdminToken);
        try
        {
            await probe.WriteAsync(probe.Request("hello") + "\n");
        }
        catch (IOException)
        {
            return true;
        }

        // A refused connection gets the refusal (or is closed before it could be read); an admitted one, the answer.
        var answer = await probe.ReadLineAsync(TimeSpan.FromSeconds(30));
        return answer is null || answer.Contains("at its limit of connections", StringComparison.Ordinal);
    }

    private static void AssertNoDotnetNames(string text)
    {
        Assert.DoesNotContain("Orleans", text, StringComparison.Ordinal);
        Assert.False(DotnetTypeName().IsMatch(text), $"a .NET exception's name in:\n{text}");
    }

    [GeneratedRegex(@"\b\w+Exception\b")]
    private static partial Regex DotnetTypeName();
}
