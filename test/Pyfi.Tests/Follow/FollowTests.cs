using System.Collections.Concurrent;
using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Follow;

/// <summary>
/// <c>pyfi follow</c> and <see cref="PyfiClient.FollowAsync(FollowTarget, long?, CancellationToken)"/> on a real silo with
/// real Python: a socket's calls printed as they end and Ctrl+C ending it cleanly, a run followed across a plug chain
/// to its failure, and what does not exist refused in one line.
/// </summary>
public sealed class FollowTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>, IAsyncLifetime
{
    private PyfiCli Cli => fixture.Cli;
    private PyfiClient _client = null!;

    public async Task InitializeAsync() => _client = await fixture.Silo.ConnectAsync();

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task FollowPrintsEachCallOfASocketAsItEndsAndCtrlCEndsItCleanly()
    {
        await SampleCode.AddSocketsAsync(Cli, ("fw", "echo"));
        var lines = new ConcurrentQueue<JsonElement>();
        // The kill bounds how long Ctrl+C may take to end it, counted from the Ctrl+C: a bound on the whole test fired
        // first once, on a loaded machine whose first call waited for the processor's deployment.
        using var kill = new CancellationTokenSource();
        using var interrupt = new CancellationTokenSource();
        // From the socket's beginning (position 0), so the follower need not be known to have started before the first call.
        var follower = Cli.StartAsync(["follow", "-s", "fw", "--after", "0"], line => lines.Enqueue(JsonDocument.Parse(line).RootElement.Clone()), kill.Token, interrupt.Token);

        var ids = new List<string>();
        foreach (var word in new[] { "one", "two" })
        {
            // One at a time: the second call is made after the follower printed the first, so it ends while it follows.
            ids.Add((await Cli.OkAsync("task", "run", "-s", "fw", "-d", $"'{word}'", "--no-wait")).Stdout.Trim());
            await Poll.UntilAsync(() => lines.Count == ids.Count, TimeSpan.FromSeconds(60), $"the follower to print call '{word}'");
        }

        await interrupt.CancelAsync();
        kill.CancelAfter(TimeSpan.FromSeconds(60));
        var ended = await follower;

        Assert.True(ended.ExitCode == 0, ended.ToString());
        Assert.Empty(ended.Stderr);
        var printed = lines.ToArray();
        Assert.Equal(ids, printed.Select(l => l.GetProperty("id").GetString()));
        Assert.All(printed, l => Assert.Equal("fw", l.GetProperty("socket").GetString()));
        Assert.All(printed, l => Assert.Equal("succeeded", l.GetProperty("state").GetString()));
        Assert.Equal("""{"args":["one"],"kwargs":{}}""", printed[0].GetProperty("result").GetRawText());
        Assert.True(printed[0].GetProperty("position").GetInt64() < printed[1].GetProperty("position").GetInt64());
        Assert.Equal(ids[0], printed[0].GetProperty("run").GetString());
    }

    [Fact]
    public async Task ARunIsFollowedAcrossItsPlugsToItsFailureByTheToolAndTheClient()
    {
        await SampleCode.AddSocketsAsync(Cli, ("fr1", "do_something"), ("fr2", "do_this"), ("fr3", "fail"));
        await Cli.OkAsync("update", "socket", "-n", "fr3", "--max-attempts", "1");
        await Cli.OkAsync("add", "plug", "-n", "fr1-fr2", "-s", "fr1", "-t", "fr2");
        await Cli.OkAsync("add", "plug", "-n", "fr2-fr3", "-s", "fr2", "-t", "fr3");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = Guid.Parse((await Cli.OkAsync("task", "run", "-s", "fr1", "-d", "'hi'", "--no-wait")).Stdout.Trim());
        var followed = _client.FollowAsync(run, after: 0, cancel.Token).Take(3).ToListAsync(cancel.Token);

        // From the run's beginning (position 0), three calls, then the tool stops by itself.
        var tool = await Cli.RunAsync(["follow", "--run", run.ToString(), "--after", "0", "--count", "3"], timeout: TimeSpan.FromMinutes(2));

        Assert.True(tool.ExitCode == 0, tool.ToString());
        var lines = tool.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["fr1", "fr2", "fr3"], lines.Select(l => l.GetProperty("socket").GetString()));
        Assert.Equal([0, 1, 2], lines.Select(l => l.GetProperty("hop").GetInt32()));
        Assert.All(lines, l => Assert.Equal(run.ToString(), l.GetProperty("run").GetString()));
        Assert.Equal("\"This: Message: hi\"", lines[1].GetProperty("result").GetRawText());
        Assert.Equal("failed", lines[2].GetProperty("state").GetString());
        Assert.Equal("ValueError", lines[2].GetProperty("error").GetProperty("type").GetString());

        var calls = await followed;
        Assert.Equal(lines.Select(l => l.GetProperty("id").GetGuid()), calls.Select(c => c.Id));
        Assert.Equal(CallState.Failed, calls[2].State);
        Assert.Equal("ValueError", calls[2].Error!.Type);
    }

    [Fact]
    public async Task WhatDoesNotExistIsRefusedInOneLine()
    {
        var socket = await Cli.RunAsync(["follow", "-s", "nowhere"]);
        var run = await Cli.RunAsync(["follow", "--run", "54790537-d059-4b01-8ed3-34471dbcc5e6"]);

        Assert.Equal((1, "pyfi: socket 'nowhere' does not exist\n"), (socket.ExitCode, socket.Stderr));
        Assert.Equal((1, "pyfi: run '54790537-d059-4b01-8ed3-34471dbcc5e6' does not exist\n"), (run.ExitCode, run.Stderr));
        var client = await Assert.ThrowsAsync<NotFoundException>(async () => await _client.FollowAsync("nowhere").FirstAsync());
        Assert.Equal("socket 'nowhere' does not exist", client.Message);
    }
}
