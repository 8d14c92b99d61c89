using System.Diagnostics;
using System.Text;
using Pyfi.Silo.Gateway;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Gateway;

/// <summary>
/// A real silo under the attacks anyone who reaches its ports can make: tens of thousands of idle connections,
/// lines of 150 MB, connections that never finish Orleans' handshake. It must keep serving, within bounded memory,
/// with a quiet log (docs/security.md, "The gateway port").
/// </summary>
[Collection(AttackCollection.Name)]
public sealed class GatewayAttackTests(ITestOutputHelper output)
{
    private const long MiB = GatewayRequestLimitsTests.MiB;

    [Fact]
    public async Task TwentyThousandIdleConnectionsAndFourHugeLinesLeaveTheSiloServing()
    {
        using var data = new TempDirectory("pyfi-attack");
        await using var silo = await SiloProcess.StartAsync(data.Path);
        var cli = silo.Cli();
        await cli.OkAsync("ls", "queues");
        var rssBefore = ProcStatus.ResidentBytes(silo.Pid);
        var filesBefore = ProcStatus.OpenFiles(silo.Pid);
        var linesBefore = Lines(silo).Length;
        var attack = Stopwatch.StartNew();

        // Two processes of 10,000 each (see IdleConnections): all from 127.0.0.1, so the per-address limit (256) is
        // the one that holds; the silo closes the rest as new ones arrive, the longest waiting first.
        var holders = await Task.WhenAll(IdleConnections.OpenAsync(silo.GatewayPort, 10_000), IdleConnections.OpenAsync(silo.GatewayPort, 10_000));
        await using var first = holders[0];
        await using var second = holders[1];
        Assert.Equal(20_000, first.Opened + second.Opened);
        await Poll.UntilAsync(async () => await first.ClosedByPeerAsync() + await second.ClosedByPeerAsync() >= 20_000 - 256,
            TimeSpan.FromMinutes(2), "the silo to close all but 256 of 20,000 idle connections");
        var filesHeld = ProcStatus.OpenFiles(silo.Pid);
        var rssIdle = ProcStatus.ResidentBytes(silo.Pid);

        var huge = Enumerable.Range(0, 4).Select(_ => SendUnterminatedLineAsync(silo.GatewayPort, 150 * MiB)).ToArray();
        var during = await TimeAsync(() => cli.OkAsync("ls", "queues"));
        var answers = await Task.WhenAll(huge);
        var after = await TimeAsync(() => cli.OkAsync("ls", "queues"));
        var rssAfter = ProcStatus.ResidentBytes(silo.Pid);
        var attackLines = Lines(silo)[linesBefore..];

        output.WriteLine($"silo RSS {rssBefore / MiB} MB before, {rssIdle / MiB} MB with 20,000 idle connections, {rssAfter / MiB} MB after 4 x 150 MB lines");
        output.WriteLine($"silo open files {filesBefore} before, {filesHeld} with 20,000 idle connections");
        output.WriteLine($"pyfi ls queues took {during.TotalMilliseconds:0} ms during the huge lines, {after.TotalMilliseconds:0} ms after");
        output.WriteLine($"{attackLines.Length} log lines in {attack.Elapsed.TotalSeconds:0} s of attack:\n{string.Join('\n', attackLines)}");
        Assert.InRange(filesHeld, 0, filesBefore + 256 + 16);
        Assert.All(answers, a => Assert.Equal(GatewayRequestLimitsTests.Refusal, a));
        Assert.True(during < TimeSpan.FromSeconds(2), $"pyfi ls queues took {during} during the attack");
        Assert.True(after < TimeSpan.FromSeconds(2), $"pyfi ls queues took {after} after the attack");
        Assert.True(rssAfter - rssBefore < 300 * MiB, $"the silo's memory grew from {rssBefore / MiB} MB to {rssAfter / MiB} MB");
        Assert.True(attackLines.Length <= attack.Elapsed.TotalSeconds / 60 + 2, $"the log was not quiet:\n{string.Join('\n', attackLines)}");
        Assert.DoesNotContain(attackLines, l => l.Contains("Exception", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectionLimitsAboveTheFileLimitAreCutSoTheSiloNeverRunsOutOfFileDescriptors()
    {
        // Limits above what the process may open (ulimit -n 20,000): at the limit the runtime itself may die for
        // want of a descriptor, so the silo cuts each port's limit to its share (5,000 here) and says so once.
        using var data = new TempDirectory("pyfi-attack");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["PYFI_GATEWAY_MAX_CONNECTIONS"] = "100000",
            ["PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS"] = "100000",
        });
        var cli = silo.Cli();
        await cli.OkAsync("ls", "queues");
        var perPort = FileDescriptors.PerPort(ProcStatus.OpenFilesLimit(silo.Pid));
        var filesBefore = ProcStatus.OpenFiles(silo.Pid);
        var linesBefore = Lines(silo).Length;
        var attack = Stopwatch.StartNew();

        var holders = await Task.WhenAll(IdleConnections.OpenAsync(silo.GatewayPort, 10_000), IdleConnections.OpenAsync(silo.GatewayPort, 10_000));
        await using var first = holders[0];
        await using var second = holders[1];
        await Poll.UntilAsync(async () => await first.ClosedByPeerAsync() + await second.ClosedByPeerAsync() >= 20_000 - perPort,
            TimeSpan.FromMinutes(2), $"the silo to close all but {perPort} of 20,000 idle connections");
        var filesHeld = ProcStatus.OpenFiles(silo.Pid);
        var served = await TimeAsync(async () =>
        {
            var listed = await cli.RunAsync(["ls", "queues"]);
            Assert.True(listed.ExitCode == 0, $"{listed}\nthe silo's log since the attack:\n{string.Join('\n', Lines(silo)[linesBefore..])}");
        });
        var attackLines = Lines(silo)[linesBefore..];
        var cut = Lines(silo).Where(l => l.Contains($"PYFI_GATEWAY_MAX_CONNECTIONS 100000 is more than this process may open files for", StringComparison.Ordinal)).ToArray();

        output.WriteLine($"each port holds at most {perPort}; silo open files {filesBefore} before, {filesHeld} with 20,000 connections opened at it; pyfi ls queues took {served.TotalMilliseconds:0} ms");
        output.WriteLine($"{attackLines.Length} log lines in {attack.Elapsed.TotalSeconds:0} s:\n{string.Join('\n', attackLines)}");
        Assert.Equal(20_000, first.Opened + second.Opened);
        Assert.Equal(5_000, perPort);
        Assert.Single(cut);
        Assert.Contains($"each port holds at most {perPort} connections", cut[0], StringComparison.Ordinal);
        Assert.InRange(filesHeld, perPort, filesBefore + perPort + 16);
        Assert.True(served < TimeSpan.FromSeconds(2), $"pyfi ls queues took {served} with 20,000 connections opened at the silo");
        Assert.DoesNotContain(attackLines, l => l.Contains("could not accept", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.True(attackLines.Length <= attack.Elapsed.TotalSeconds / 60 + 2, $"the log was not quiet:\n{string.Join('\n', attackLines)}");
        Assert.False(silo.HasExited);
    }

    [Fact]
    public async Task ConnectionsThatNeverFinishOrleansHandshakeAreDroppedAndADotNetClientStillGetsIn()
    {
        using var data = new TempDirectory("pyfi-attack");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_ORLEANS_HANDSHAKE_TIMEOUT"] = "00:00:03" });
        var filesBefore = ProcStatus.OpenFiles(silo.Pid);
        var rssBefore = ProcStatus.ResidentBytes(silo.Pid);
        var linesBefore = Lines(silo).Length;

        // Silent ones on Orleans' gateway port, garbage on the silo port: Orleans 10.4 alone holds both forever.
        var holders = await Task.WhenAll(
            IdleConnections.OpenAsync(silo.Ports[2], 10_000),
            IdleConnections.OpenAsync(silo.SiloPort, 10_000, hello: "GET / HTTP/1.1\r\n"));
        await using var gatewayHolder = holders[0];
        await using var siloHolder = holders[1];
        var filesHeld = ProcStatus.OpenFiles(silo.Pid);
        var rssHeld = ProcStatus.ResidentBytes(silo.Pid);
        var connect = Stopwatch.StartNew();
        await using (var client = await silo.ConnectAsync())
        {
            await client.Registry.ListQueuesAsync();
        }

        connect.Stop();
        await Poll.UntilAsync(async () => await gatewayHolder.ClosedByPeerAsync() == 10_000 && await siloHolder.ClosedByPeerAsync() == 10_000,
            TimeSpan.FromMinutes(1), "the silo to close every connection that sent no Orleans handshake");
        var attackLines = Lines(silo)[linesBefore..];

        output.WriteLine($"silo open files {filesBefore} before, {filesHeld} holding 20,000 connections without a handshake, {ProcStatus.OpenFiles(silo.Pid)} after");
        output.WriteLine($"silo RSS {rssBefore / MiB} MB before, {rssHeld / MiB} MB under attack");
        output.WriteLine($"a .NET client connected and listed queues in {connect.ElapsedMilliseconds} ms under attack");
        output.WriteLine($"{attackLines.Length} log lines:\n{string.Join('\n', attackLines)}");
        Assert.InRange(filesHeld, 0, filesBefore + 2 * 1024 + 16);
        Assert.True(connect.Elapsed < TimeSpan.FromSeconds(10), $"the .NET client took {connect.Elapsed} to get in");
        Assert.DoesNotContain(attackLines, l => l.Contains("Exception", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.True(attackLines.Length <= 4, $"the log was not quiet:\n{string.Join('\n', attackLines)}");
    }

    // A task.run whose argument never ends: returns the first line the gateway answered, once it closed the connection.
    private static async Task<string?> SendUnterminatedLineAsync(int port, long bytes)
    {
        using var connection = await RawGatewayConnection.ConnectAsync(port);
        var answer = connection.ReadLineAsync(TimeSpan.FromMinutes(2));
        var chunk = Encoding.ASCII.GetBytes(new string('a', (int)MiB));
        try
        {
            await connection.WriteAsync("{\"op\":\"task.run\",\"args\":{\"socket\":\"s\",\"args\":[\"");
            for (long sent = 0; sent < bytes && !answer.IsCompleted; sent += chunk.Length) await connection.WriteAsync(chunk);
        }
        catch (IOException)
        {
            // The gateway closed the connection on the rest of the line, as it should.
        }

        return await answer;
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    private static string[] Lines(SiloProcess silo) => silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// The attacks run alone: 20,000 connections take as many of the machine's ephemeral ports (which the other tests'
/// silos pick theirs from) and its file descriptors, and the measurements must not count the other tests' load.
/// (<see cref="GatewayRequestLimitsTests"/>, which open a few connections, run beside the others.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AttackCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "attacks";
}
