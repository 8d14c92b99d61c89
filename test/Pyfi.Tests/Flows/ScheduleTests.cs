using System.Globalization;
using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Flows;

/// <summary>Schedules on a real silo with real Python: firing each slot with its data, pause and resume, and what is refused.</summary>
public sealed class ScheduleTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>, IAsyncLifetime
{
    private PyfiCli Cli => fixture.Cli;
    private PyfiClient _client = null!;

    public async Task InitializeAsync() => _client = await fixture.Silo.ConnectAsync();

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task AScheduleEverySecondMakesOneCallPerSlotWithItsDataAndPausingStopsIt()
    {
        await SampleCode.AddSocketsAsync(Cli, ("tick", "echo"));
        var added = await Cli.OkAsync("add", "schedule", "-n", "ticker", "-s", "tick", "--every", "1s", "-d", "('hello', 2)", "--kwargs", "{'k': True}", "--overlap", "queue");
        Assert.StartsWith("schedule 'ticker' added (every 1s -> tick, next ", added.Stdout.Trim());

        var calls = await ScheduledCallsAsync("tick", "ticker", atLeast: 3);

        Assert.All(calls, c => Assert.Equal("""{"args":["hello",2],"kwargs":{"k":true}}""", c.Call.Result));
        // One call per slot, the slots a second apart, each call made at (not before) its slot.
        Assert.Equal(calls.Count, calls.Select(c => c.Slot).Distinct().Count());
        Assert.All(calls.Zip(calls.Skip(1)), p => Assert.Equal(TimeSpan.FromSeconds(1), p.Second.Slot - p.First.Slot));
        Assert.All(calls, c => Assert.True(c.Call.Created >= c.Slot, $"call {c.Call.Id} made at {c.Call.Created:O}, before its slot {c.Slot:O}"));
        Assert.All(calls, c => Assert.Equal(c.Call.Id, c.Call.Run));

        var paused = await Cli.OkAsync("pause", "schedule", "-n", "ticker");
        Assert.Equal("schedule 'ticker' paused (every 1s -> tick, paused)", paused.Stdout.Trim());
        var pausedAt = DateTimeOffset.UtcNow;
        var shown = JsonDocument.Parse((await Cli.OkAsync("ls", "schedule", "-n", "ticker", "--json")).Stdout).RootElement;
        Assert.True(shown.GetProperty("spec").GetProperty("paused").GetBoolean());
        Assert.False(shown.GetProperty("status").TryGetProperty("nextSlot", out _));
        var fired = shown.GetProperty("status").GetProperty("fired").GetInt64();
        Assert.True(fired >= 3, shown.ToString());

        // Resumed: it fires again, from after the resume; nothing of the pause is made up.
        await Cli.OkAsync("resume", "schedule", "-n", "ticker");
        var resumedAt = DateTimeOffset.UtcNow;
        // Slots that fired while the pause was on its way count too (a busy machine takes seconds to send it): it is a slot
        // after the resume that says the schedule fires again.
        var after = await ScheduledCallsAsync("tick", "ticker", atLeast: calls.Count + 2, slotAfter: resumedAt);
        Assert.DoesNotContain(after, c => c.Slot > pausedAt.AddSeconds(1) && c.Slot <= resumedAt.AddSeconds(-1));
        Assert.Contains(after, c => c.Slot > resumedAt);

        var table = (await Cli.OkAsync("ls", "schedules")).Stdout;
        Assert.Contains("ticker", table);
        Assert.Contains("every 1s", table);
        await Cli.OkAsync("delete", "schedule", "-n", "ticker");
        Assert.DoesNotContain("ticker", (await Cli.OkAsync("ls", "schedules")).Stdout);
    }

    [Fact]
    public async Task ACronScheduleWithSecondsInATimeZoneFiresAndSaysWhenItFiresNext()
    {
        await SampleCode.AddSocketsAsync(Cli, ("crontick", "noop"));
        await Cli.OkAsync("add", "schedule", "-n", "cron2", "-s", "crontick", "--cron", "*/2 * * * * *", "--tz", "Europe/Paris");

        var calls = await ScheduledCallsAsync("crontick", "cron2", atLeast: 2);

        Assert.All(calls, c => Assert.Equal(0, c.Slot.Second % 2));
        var details = (await Cli.OkAsync("ls", "schedule", "-n", "cron2")).Stdout;
        Assert.Contains("cron */2 * * * * * (Europe/Paris)", details);
        Assert.Contains("Next slot", details);
        await Cli.OkAsync("delete", "schedule", "-n", "cron2");
    }

    [Fact]
    public async Task WhatASchedulesCannotBeIsRefusedInOneLineAndNothingIsAdded()
    {
        await SampleCode.AddSocketsAsync(Cli, ("refuser", "noop"));
        (string[] Args, string Line)[] cases =
        [
            (["add", "schedule", "-n", "r1", "-s", "nowhere", "--every", "5s"], "socket 'nowhere' does not exist"),
            (["add", "schedule", "-n", "r2", "-s", "refuser", "--cron", "61 * * * *"], "schedule 'r2': --cron '61 * * * *' is not a cron expression"),
            (["add", "schedule", "-n", "r3", "-s", "refuser", "--cron", "* * * * *", "--tz", "Mars/Olympus"], "schedule 'r3': --tz 'Mars/Olympus' is not a time zone this silo knows"),
            (["add", "schedule", "-n", "r4", "-s", "refuser"], "schedule 'r4': give one of --every and --cron"),
            (["add", "schedule", "-n", "r5", "-s", "refuser", "--every", "500ms"], "schedule 'r5': --every must be between 1 second and 366 days"),
            (["add", "schedule", "-n", "r6", "-s", "refuser", "--every", "5s", "--catch-up", "most"], "--catch-up"),
        ];
        foreach (var (args, line) in cases)
        {
            var refused = await Cli.RunAsync(args);
            Assert.NotEqual(0, refused.ExitCode);
            // One line says why (a usage mistake is followed by where to read the usage).
            Assert.Contains(line, refused.Stderr.Split('\n')[0]);
            Assert.DoesNotContain("Exception", refused.Stderr);
        }

        // The class's other tests may have schedules of their own meanwhile: none of these names is listed.
        var listed = JsonDocument.Parse((await Cli.OkAsync("ls", "schedules", "--json")).Stdout).RootElement.EnumerateArray()
            .Select(s => s.GetProperty("spec").GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain(listed, n => n is "r1" or "r2" or "r3" or "r4" or "r5" or "r6");

        // A socket a schedule calls is not deleted from under it; a client cannot claim a slot's key.
        await Cli.OkAsync("add", "schedule", "-n", "keeper", "-s", "refuser", "--every", "1h");
        var inUse = await Cli.RunAsync(["delete", "socket", "-n", "refuser"]);
        Assert.Contains("socket 'refuser' is used by schedule 'keeper'", inUse.Stderr);
        var claimed = await Cli.RunAsync(["task", "run", "-s", "refuser", "-d", "1", "--key", "sched:keeper:20261202T120000Z"]);
        Assert.Contains("keys starting with 'sched:' are the network's own", claimed.Stderr);
        await Cli.OkAsync("delete", "schedule", "-n", "keeper");
    }

    [Fact]
    public async Task TheNetworkIsDrawnWithItsPlugsAndSchedulesAsATreeJsonAndDot()
    {
        await SampleCode.AddSocketsAsync(Cli, ("n1", "noop"), ("n2", "echo"));
        await Cli.OkAsync("add", "plug", "-n", "n1-n2", "-s", "n1", "-t", "n2", "--on", "failure");
        await Cli.OkAsync("add", "schedule", "-n", "n-timer", "-s", "n1", "--cron", "0 9 * * 1", "--paused");

        var tree = (await Cli.OkAsync("ls", "network")).Stdout;
        Assert.Contains("n-timer cron 0 9 * * 1, paused", tree);
        Assert.Contains("n1-n2, on failure → n2 sample.echo", tree);

        using var json = JsonDocument.Parse((await Cli.OkAsync("ls", "network", "--json")).Stdout);
        Assert.Contains(json.RootElement.GetProperty("edges").EnumerateArray(), e =>
            e.GetProperty("from").GetString() == "socket:n1" && e.GetProperty("to").GetString() == "socket:n2" && e.GetProperty("on").GetString() == "failure");
        Assert.Contains(json.RootElement.GetProperty("edges").EnumerateArray(), e => e.GetProperty("from").GetString() == "schedule:n-timer");

        var dot = (await Cli.OkAsync("ls", "network", "--dot")).Stdout;
        Assert.Contains("\"socket:n1\" -> \"socket:n2\" [label=\"n1-n2, on failure\", style=dashed, color=red];", dot);
        await Cli.OkAsync("delete", "schedule", "-n", "n-timer");
        await Cli.OkAsync("delete", "plug", "-n", "n1-n2");
    }

    // At least atLeast calls succeeded, and (with slotAfter) one of them for a slot after that time.
    private async Task<List<(DateTimeOffset Slot, CallInfo Call)>> ScheduledCallsAsync(string socket, string schedule, int atLeast, DateTimeOffset? slotAfter = null)
    {
        List<(DateTimeOffset Slot, CallInfo Call)> calls = [];
        await Poll.UntilAsync(async () =>
        {
            calls = await ScheduleCalls.OfAsync(_client, socket, schedule);
            var succeeded = calls.Where(c => c.Call.State == CallState.Succeeded).ToList();
            return succeeded.Count >= atLeast && (slotAfter is null || succeeded.Any(c => c.Slot > slotAfter));
        }, TimeSpan.FromSeconds(60), $"{atLeast} calls of schedule {schedule}{(slotAfter is null ? "" : $", one after {slotAfter:O}")}");
        return [.. calls.Where(c => c.Call.State == CallState.Succeeded)];
    }
}

/// <summary>The calls a schedule made, found by their keys (<c>sched:NAME:SLOT</c>), oldest slot first.</summary>
public static class ScheduleCalls
{
    public static async Task<List<(DateTimeOffset Slot, CallInfo Call)>> OfAsync(PyfiClient client, string socket, string schedule)
    {
        var prefix = $"sched:{schedule}:";
        var calls = await client.Cluster.GetGrain<ICallListingGrain>(0).ListAsync(new CallQuery { Socket = socket, Limit = CallQuery.MaxLimit });
        return [.. calls.Where(c => c.Key?.StartsWith(prefix, StringComparison.Ordinal) == true)
            .Select(c => (Slot: DateTimeOffset.ParseExact(c.Key![prefix.Length..], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), Call: c))
            .OrderBy(c => c.Slot)];
    }
}
