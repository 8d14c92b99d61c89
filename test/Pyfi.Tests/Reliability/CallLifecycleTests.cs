using System.Diagnostics;
using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Reliability;

/// <summary>
/// The durable life of a call through the CLI against a real silo and real Python: retries with backoff, types
/// never retried, time limits, --no-wait and task result, cancel, idempotency keys, queue bounds, listings.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CallLifecycleTests(ReliabilityFixture fixture)
{
    private PyfiCli Cli => fixture.Cli;

    [Fact]
    public async Task ARaisingFunctionIsRetriedAfterItsBackoffUntilItSucceeds()
    {
        var counter = Path.Combine(fixture.Scratch.Path, $"flaky-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        var result = await Cli.RunAsync(["task", "run", "-s", "flaky", "-d", $"['{counter}', 2]", "-v"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("3\n", result.Stdout);
        // Backoffs of 200 ms then 400 ms (±20% jitter) passed between the attempts.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(480), $"took {clock.Elapsed}");
        var call = await ShowAsync(CallId(result.Stderr));
        Assert.Equal("succeeded", call.GetProperty("state").GetString());
        Assert.Equal(3, call.GetProperty("attempts").GetInt32());
        var history = call.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal([1, 2], history.Select(a => a.GetProperty("number").GetInt32()));
        Assert.All(history, a => Assert.Equal("RuntimeError", a.GetProperty("error").GetProperty("type").GetString()));
        Assert.Contains("flaky failure 2", history[1].GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ACallsOwnMaxAttemptsReplaceItsSocketsAndTheSlotAndProcessAreTwoFields()
    {
        // The socket allows 3 attempts; this call 1: it fails at its first, with the socket's other rules.
        var counter = Path.Combine(fixture.Scratch.Path, $"flaky-{Guid.NewGuid():N}");
        var once = await Cli.RunAsync(["task", "run", "-s", "flaky", "-d", $"['{counter}', 2]", "--max-attempts", "1", "-v"]);
        var refused = await Cli.RunAsync(["task", "run", "-s", "flaky", "-d", $"['{counter}', 2]", "--max-attempts", "0"]);

        Assert.Equal(1, once.ExitCode);
        Assert.StartsWith("pyfi: flaky failed: RuntimeError: flaky failure 1", once.Stderr.Split('\n')[1]);
        var call = await ShowAsync(CallId(once.Stderr));
        Assert.Equal(1, call.GetProperty("attempts").GetInt32());
        Assert.Equal(1, call.GetProperty("maxAttempts").GetInt32());
        Assert.Matches(@"^flaky#\d+$", call.GetProperty("slot").GetString());
        Assert.Matches(@"^[^/]+:\d+/\d+$", call.GetProperty("worker").GetString());
        Assert.Equal((1, "pyfi: the call's max attempts must be between 1 and 1000\n"), (refused.ExitCode, refused.Stderr));
    }

    [Fact]
    public async Task AnExceptionTypeTheSocketNeverRetriesFailsTheCallAtOnce()
    {
        var result = await Cli.RunAsync(["task", "run", "-s", "key-error", "-d", "'missing'", "-v"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("pyfi: key-error failed: KeyError: 'missing'", result.Stderr.Split('\n')[1]);
        var call = await ShowAsync(CallId(result.Stderr));
        Assert.Equal(1, call.GetProperty("attempts").GetInt32());
        Assert.Empty(call.GetProperty("history").EnumerateArray());
    }

    [Fact]
    public async Task AnAttemptPastItsTimeLimitIsKilledAndCountsAsAFailedAttempt()
    {
        var clock = Stopwatch.StartNew();
        var result = await Cli.RunAsync(["task", "run", "-s", "limited", "-d", "30", "-v"]);

        Assert.Equal(1, result.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: the attempts were not killed");
        Assert.Contains("TimeLimitExceeded", result.Stderr);
        Assert.Contains("(attempt 2 of 2)", result.Stderr);
        var call = await ShowAsync(CallId(result.Stderr));
        Assert.Equal("failed", call.GetProperty("state").GetString());
        Assert.Equal("TimeLimitExceeded", Assert.Single(call.GetProperty("history").EnumerateArray()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task NoWaitPrintsTheIdAtOnceAndTaskResultFetchesTheResultLater()
    {
        var submitted = await Cli.OkAsync("task", "run", "-s", "sleepy", "-d", "5", "--no-wait");
        var id = submitted.Stdout.Trim();
        Assert.True(Guid.TryParse(id, out _), submitted.ToString());

        var early = await Cli.RunAsync(["task", "result", "--id", id]);
        var waited = await Cli.RunAsync(["task", "result", "--id", id, "--wait"]);

        Assert.Equal(3, early.ExitCode); // not ended yet: queued or running
        Assert.Matches("is (queued|running)", early.Stderr);
        Assert.True(waited.ExitCode == 0, waited.ToString());
        Assert.Equal("5\n", waited.Stdout);
    }

    [Fact]
    public async Task ACancelledQueuedCallNeverRunsAndARunningOneIsStopped()
    {
        var marker = Path.Combine(fixture.Scratch.Path, $"cancel-{Guid.NewGuid():N}");
        // The queued calls run until the test opens their gate (a fixed sleep ran out before the cancel on a busy host); one
        // slot, so they never take the core the sleepy socket's calls need.
        var gate = Path.Combine(fixture.Scratch.Path, $"gate-{Guid.NewGuid():N}");
        var gated = $"gated-{Guid.NewGuid():N}"[..14];
        await Cli.OkAsync("add", "socket", "-n", gated, "-q", "q", "-pn", "sample", "-t", "held", "-c", "1");
        // One slot: the first call runs, the second is written behind it, the third waits in the socket.
        var running = (await Cli.OkAsync("task", "run", "-s", "sleepy", "-d", "30", "--no-wait")).Stdout.Trim();
        var behind = (await Cli.OkAsync("task", "run", "-s", "sleepy", "-d", "0", "--no-wait")).Stdout.Trim();
        await WaitForStateAsync(running, "running");
        string[] held = [$"['{gate}', '{marker}']"];
        var queued = (await Cli.OkAsync(["task", "run", "-s", gated, "-d", .. held, "--no-wait"])).Stdout.Trim();
        var queuedBehind = (await Cli.OkAsync(["task", "run", "-s", gated, "-d", .. held, "--no-wait"])).Stdout.Trim();
        var third = (await Cli.OkAsync(["task", "run", "-s", gated, "-d", .. held, "--no-wait"])).Stdout.Trim();

        Assert.Contains("cancelled", (await Cli.OkAsync("task", "cancel", "--id", third)).Stdout);
        var clock = Stopwatch.StartNew();
        Assert.Contains("cancelled", (await Cli.OkAsync("task", "cancel", "--id", running)).Stdout);
        var stopped = await Cli.RunAsync(["task", "result", "--id", running, "--wait"]);
        var neverRan = await Cli.RunAsync(["task", "result", "--id", third, "--wait"]);
        var after = await Cli.RunAsync(["task", "result", "--id", behind, "--wait"]);

        Assert.Equal(1, stopped.ExitCode);
        Assert.Contains("Cancelled", stopped.Stderr);
        // It sleeps 30 s: ending well before that, it was stopped (the bound leaves room for three CLI runs on a busy host).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the running call was not stopped ({clock.Elapsed})");
        Assert.Equal(1, neverRan.ExitCode);
        Assert.Equal("cancelled", (await ShowAsync(third)).GetProperty("state").GetString());
        Assert.True(after.ExitCode == 0, after.ToString()); // the call behind the stopped one still ran
        await File.WriteAllTextAsync(gate, "");
        await Cli.OkAsync("task", "result", "--id", queued, "--wait");
        await Cli.OkAsync("task", "result", "--id", queuedBehind, "--wait");
        Assert.Equal(2, File.ReadAllLines(marker).Length); // the two not cancelled ran; the cancelled one never did

        var again = await Cli.RunAsync(["task", "cancel", "--id", behind]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("has already ended (succeeded)", again.Stderr);
        var unknown = await Cli.RunAsync(["task", "cancel", "--id", Guid.NewGuid().ToString()]);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("does not exist", unknown.Stderr);
    }

    [Fact]
    public async Task ASubmissionRepeatedWithItsKeyIsTheSameCallAndRunsOnce()
    {
        var file = Path.Combine(fixture.Scratch.Path, $"key-{Guid.NewGuid():N}");
        var key = $"order-{Guid.NewGuid():N}";
        var first = await Cli.RunAsync(["task", "run", "-s", "append", "-d", $"['{file}', 'once']", "--key", key, "-v"]);
        var second = await Cli.RunAsync(["task", "run", "-s", "append", "-d", $"['{file}', 'once']", "--key", key, "-v"]);
        var noWait = await Cli.OkAsync("task", "run", "-s", "append", "-d", $"['{file}', 'once']", "--key", key, "--no-wait");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("once\n", second.Stdout);
        Assert.Equal(CallId(first.Stderr), CallId(second.Stderr));
        Assert.Equal(CallId(first.Stderr), noWait.Stdout.Trim());
        Assert.Equal(["once"], File.ReadAllLines(file));
    }

    [Fact]
    public async Task PastItsQueueBoundASocketRefusesSubmissionsClearlyAndLosesNothing()
    {
        var a = (await Cli.OkAsync("task", "run", "-s", "bounded", "-d", "60", "--no-wait")).Stdout.Trim();
        var b = (await Cli.OkAsync("task", "run", "-s", "bounded", "-d", "0", "--no-wait")).Stdout.Trim();
        var refused = await Cli.RunAsync(["task", "run", "-s", "bounded", "-d", "0"]);
        await Cli.OkAsync("task", "cancel", "--id", a);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("socket 'bounded' has 2 calls waiting, its queue's bound", refused.Stderr);
        Assert.Equal(1, (await Cli.RunAsync(["task", "result", "--id", a, "--wait"])).ExitCode);
        await Cli.OkAsync("task", "result", "--id", b, "--wait");
        Assert.Equal("0\n", (await Cli.OkAsync("task", "run", "-s", "bounded", "-d", "0")).Stdout);
    }

    [Fact]
    public async Task CallsAreListedNewestFirstBySocketStateAndTime()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O");
        for (var i = 0; i < 3; i++) await Cli.OkAsync("task", "run", "-s", "noop", "-d", i.ToString());
        await Cli.RunAsync(["task", "run", "-s", "key-error", "-d", "'x'"]);

        var listed = JsonDocument.Parse((await Cli.OkAsync("ls", "calls", "--socket", "noop", "--since", since, "--json")).Stdout).RootElement.EnumerateArray().ToList();
        var limited = JsonDocument.Parse((await Cli.OkAsync("ls", "calls", "--socket", "noop", "--limit", "2", "--json")).Stdout).RootElement.EnumerateArray().ToList();
        var failed = JsonDocument.Parse((await Cli.OkAsync("ls", "calls", "--state", "failed", "--json")).Stdout).RootElement.EnumerateArray().ToList();
        var table = (await Cli.OkAsync("ls", "calls", "--socket", "noop", "--limit", "1")).Stdout;

        Assert.True(listed.Count >= 3);
        Assert.All(listed, c => Assert.Equal("noop", c.GetProperty("socket").GetString()));
        Assert.Equal(["2", "1", "0"], listed.Take(3).Select(c => c.GetProperty("result").GetString()));
        Assert.Equal(2, limited.Count);
        Assert.NotEmpty(failed);
        Assert.All(failed, c => Assert.Equal("failed", c.GetProperty("state").GetString()));
        Assert.Contains("noop", table);
        Assert.Contains("succeeded", table);
        var bad = await Cli.RunAsync(["ls", "calls", "--state", "sleeping"]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("sleeping", bad.Stderr);
    }

    private async Task<JsonElement> ShowAsync(string id) =>
        JsonDocument.Parse((await Cli.OkAsync("ls", "call", "--id", id, "--json")).Stdout).RootElement;

    private async Task WaitForStateAsync(string id, string state)
    {
        var clock = Stopwatch.StartNew();
        while ((await ShowAsync(id)).GetProperty("state").GetString() != state)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"call {id} did not become {state}");
            await Task.Delay(100);
        }
    }

    private static string CallId(string stderr) => stderr.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
}

/// <summary>The tests that share one reliability silo.</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "reliability";
}
