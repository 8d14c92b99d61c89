using System.Diagnostics;
using System.Text.Json;
using Pyfi.Client;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// Large parallel workflows on one silo with a 2-slot socket, the real silo and the real tool: thousands of steps
/// run to the end through a bounded window while the workflow answers reads, watches and cancels at once; a
/// cancel stops submission; a silo killed mid-way replays the walk and every step is one call. (100,000 steps,
/// the documented maximum, are timed in bench/flows.sh.)
/// </summary>
public sealed class LargeWorkflowTests(ITestOutputHelper output)
{
    private const int Steps = 5_000;

    // What the workflow's answers take, typically (the median), and at worst on a machine busy with other
    // processes (the suite runs beside builds and other suites on 2 cores). Before the window, a large
    // workflow answered TimeoutException after 30 s.
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WorstAnswer = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task AFiveThousandStepParallelRunsToItsEndWhileResultWatchAndCancelAnswerAtOnce()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-flow-large");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await SampleCode.AddSocketsAsync(cli, "noop", "sleepy");
        await cli.OkAsync("task", "run", "-s", "noop", "-d", "1");
        await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "0");
        var file = Path.Combine(data.Path, "large.json");
        // Its first step sleeps 8 s on a socket of its own, so the workflow runs at least that long whatever the
        // machine's speed, while the other steps stream through noop.
        await File.WriteAllTextAsync(file, Parallel(Enumerable.Range(0, Steps).Select(i => i == 0
            ? """{"socket":"sleepy","args":[8]}"""
            : $$"""{"socket":"noop","args":[{{i}}]}""")));
        await using var client = await silo.ConnectAsync();

        var id = Guid.Parse((await cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim());
        var flow = client.Flow(id);
        var watch = cli.RunAsync(["flow", "watch", "--id", id.ToString()], timeout: TimeSpan.FromMinutes(5));
        // Meanwhile the workflow answers at once, however many steps are in flight (sampled every 200 ms until
        // it ends); the tool says it has not ended.
        var grain = client.Cluster.GetGrain<IWorkflowGrain>(id);
        var answers = new List<TimeSpan>();
        var samples = 0;
        var midway = 0;
        var streaming = 0;
        var notEnded = cli.RunAsync(["flow", "result", "--id", id.ToString()]);
        FlowInfo info;
        do
        {
            var clock = Stopwatch.StartNew();
            var progress = await grain.GetProgressAsync();
            answers.Add(clock.Elapsed);
            clock.Restart();
            info = await flow.InfoAsync();
            answers.Add(clock.Elapsed);
            samples++;
            if (!info.State.IsFinal()) midway++;
            if (progress.Done < Steps - 1) streaming++;
            Assert.Equal((Steps, Steps), (progress.Total, info.Steps.Length));
            if (!info.State.IsFinal()) await Task.Delay(200);
        }
        while (!info.State.IsFinal());

        var watched = await watch;
        var told = await notEnded;
        var result = await flow.GetAsync<JsonElement>(TimeSpan.FromSeconds(30));

        var median = answers.Order().ElementAt(answers.Count / 2);
        var slowest = answers.Max();
        output.WriteLine($"{samples} samples ({midway} running, {streaming} while noop steps streamed): answers took {median.TotalMilliseconds:0} ms (median), {slowest.TotalMilliseconds:0} ms at most");
        Assert.True(median < Answer, $"the median of {answers.Count} answers took {median}");
        Assert.True(slowest < WorstAnswer, $"the slowest of {answers.Count} answers took {slowest}");
        Assert.True(midway >= 1, $"no answer came while the workflow ran ({samples} answers)");
        Assert.Equal("8", result[0].GetRawText());
        Assert.Equal(3, told.ExitCode);
        Assert.Matches($"^pyfi: workflow {id} is running: \\d+ of {Steps} steps done\n$", told.Stderr);
        Assert.Equal(Enumerable.Range(1, Steps - 1), result.EnumerateArray().Skip(1).Select(e => e.GetInt32()));
        Assert.Equal(0, watched.ExitCode);
        Assert.EndsWith($"{Steps}/{Steps} steps done (succeeded)\n", watched.Stdout);
        // Logs stay bounded: no line per step on the normal path, and no flood of expired messages.
        var log = silo.Output.Split('\n');
        Assert.DoesNotContain(log, l => l.Contains("Dropping expired message", StringComparison.Ordinal));
        Assert.True(log.Length < 300, $"{log.Length} log lines for one workflow of {Steps} steps");
    }

    [Fact]
    public async Task AWorkflowFortyTimesLargerThanItsSocketsQueueRunsWithoutOneQueueFullRefusal()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-flow-small-queue");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await cli.OkAsync("add", "socket", "-n", "noop", "-q", "q", "-pn", "sample", "-t", "noop", "-c", "2", "--max-queue", "50");
        var file = Path.Combine(data.Path, "wide.json");
        await File.WriteAllTextAsync(file, Parallel(Enumerable.Range(0, 2_000).Select(i => $$"""{"socket":"noop","args":[{{i}}]}""")));

        var id = Guid.Parse((await cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim());
        await using var client = await silo.ConnectAsync();
        var result = await client.Flow(id).GetAsync<int[]>(TimeSpan.FromMinutes(5));

        Assert.Equal(Enumerable.Range(0, 2_000), result);
        // The workflow kept at most 50 steps at the socket: it was never told its queue was full.
        Assert.DoesNotContain("refused steps", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellingALargeWorkflowAnswersAtOnceAndStopsItsSubmissions()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-flow-cancel");
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2" });
        var cli = silo.Cli();
        await SampleCode.AddAsync(cli, repository);
        await SampleCode.AddSocketsAsync(cli, "sleepy");
        var file = Path.Combine(data.Path, "slow.json");
        await File.WriteAllTextAsync(file, Parallel(Enumerable.Range(0, Steps).Select(_ => """{"socket":"sleepy","args":[0.01]}""")));
        await using var client = await silo.ConnectAsync();
        var id = Guid.Parse((await cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim());
        var flow = client.Flow(id);
        await Poll.UntilAsync(async () => (await flow.InfoAsync()).Done >= 50, TimeSpan.FromSeconds(120), "50 steps to end");

        var clock = Stopwatch.StartNew();
        var cancelled = await flow.CancelAsync();
        var answered = clock.Elapsed;
        var told = await cli.RunAsync(["flow", "result", "--id", id.ToString()]);

        Assert.Equal(FlowState.Cancelled, cancelled.State);
        output.WriteLine($"cancelled in {answered.TotalMilliseconds:0} ms");
        Assert.True(answered < WorstAnswer, $"cancelling took {answered}");
        Assert.Equal(1, told.ExitCode);
        Assert.StartsWith($"pyfi: workflow {id} was cancelled (", told.Stderr);
        var listing = client.Cluster.GetGrain<ICallListingGrain>(0);
        await Poll.UntilAsync(async () => (await listing.ListWorkflowAsync(id)).All(c => c.State.IsFinal()), TimeSpan.FromSeconds(60), "every step's call to end");
        var submitted = (await listing.ListWorkflowAsync(id)).Length;
        // A call through the same socket, after the cancel, has come and gone: nothing of the workflow followed.
        await cli.OkAsync("task", "run", "-s", "sleepy", "-d", "0");
        var after = await listing.ListWorkflowAsync(id);
        var ended = await flow.InfoAsync();

        Assert.Equal(submitted, after.Length);
        // What had not ended when it was cancelled is at most the window; most steps were never submitted.
        Assert.InRange(after.Count(c => c.State != CallState.Succeeded), 1, WorkflowWindow);
        Assert.True(submitted < Steps / 2, $"{submitted} of {Steps} steps were submitted");
        Assert.Equal(FlowState.Cancelled, ended.State);
        Assert.Equal(submitted, ended.Steps.Count(s => s.Call is not null));
    }

    [Fact]
    public async Task ASiloStoppedMidWayThroughALargeWorkflowExitsPromptlyAndFinishesItAfterARestart()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-flow-large-stop");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await SampleCode.AddSocketsAsync(cli, "sleepy");
            var file = Path.Combine(data.Path, "slow.json");
            await File.WriteAllTextAsync(file, Parallel(Enumerable.Range(0, Steps).Select(_ => """{"socket":"sleepy","args":[0.001]}""")));
            var id = Guid.Parse((await cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim());
            await using (var client = await silo.ConnectAsync())
            {
                await Poll.UntilAsync(async () => (await client.Flow(id).InfoAsync()).Done >= 200, TimeSpan.FromSeconds(120), "200 steps to end");
            }

            // SIGTERM with a thousand steps in flight: the walk stops with its activation and the silo exits.
            var clock = Stopwatch.StartNew();
            var exit = await silo.StopAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"stopped in {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.Equal(0, exit);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the silo took {clock.Elapsed} to stop");
            // A clean stop under a running workflow is not a failure of it: nothing at warn or above.
            silo.AssertNoWarnings();

            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);
            await using var after = await silo.ConnectAsync();
            var result = await after.Flow(id).GetAsync<double[]>(TimeSpan.FromSeconds(300));
            var calls = await after.Cluster.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(id);

            Assert.Equal(Steps, result.Length);
            Assert.Equal(Steps, calls.Select(c => c.Key).Distinct().Count());
            Assert.Equal(Steps, calls.Length);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task ASiloKilledMidWayThroughATwoThousandStepParallelFinishesItAfterARestartWithEachStepOneCall()
    {
        const int Count = 2_000;
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-flow-large-kill");
        var effects = Path.Combine(data.Path, "effects.txt");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            await cli.OkAsync("add", "socket", "-n", "append", "-q", "q", "-pn", "sample", "-t", "append", "-c", "2", "--max-attempts", "5", "--backoff", "100ms");
            var file = Path.Combine(data.Path, "effects.json");
            await File.WriteAllTextAsync(file, Parallel(Enumerable.Range(0, Count).Select(i => $$"""{"socket":"append","args":[{{JsonSerializer.Serialize(effects)}},{{i}}]}""")));
            var id = Guid.Parse((await cli.OkAsync("flow", "run", "-f", file, "--no-wait")).Stdout.Trim());

            await Poll.UntilAsync(() => Lines(effects).Count >= Count / 4, TimeSpan.FromSeconds(120), "a quarter of the steps to run");
            await silo.KillAsync();
            var killed = DateTimeOffset.UtcNow;
            var before = Lines(effects).Count;
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);
            await using var client = await silo.ConnectAsync();
            var result = await client.Flow(id).GetAsync<JsonElement>(TimeSpan.FromSeconds(300));
            var calls = await client.Cluster.GetGrain<ICallListingGrain>(0).ListWorkflowAsync(id);
            var lines = Lines(effects);

            Assert.True(before < Count, $"the workflow had ended ({before} effects) before the silo was killed");
            Assert.Equal(Enumerable.Range(0, Count), result.EnumerateArray().Select(e => e.GetInt32()));
            // One call per step (its key names the step), each succeeded.
            Assert.Equal(Count, calls.Length);
            Assert.Equal(Count, calls.Select(c => c.Key).Distinct().Count());
            Assert.All(calls, c => Assert.Equal(CallState.Succeeded, c.State));
            // Every step ran. A step whose end was stored before the kill never ran again; one that ran but
            // whose end was not yet stored runs again (at least once, as every call), as the same call.
            var counts = lines.GroupBy(l => l).ToDictionary(g => int.Parse(g.Key), g => g.Count());
            Assert.Equal(Enumerable.Range(0, Count), counts.Keys.Order());
            var endedBefore = calls.Where(c => c.Finished < killed).Select(c => int.Parse(c.Result!)).ToList();
            output.WriteLine($"{before} effects at the kill, {endedBefore.Count} ends stored by then, {counts.Values.Count(n => n > 1)} steps ran twice");
            Assert.NotEmpty(endedBefore);
            Assert.All(endedBefore, step => Assert.Equal(1, counts[step]));
            Assert.All(counts.Values, n => Assert.InRange(n, 1, 2));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    private static int WorkflowWindow => Pyfi.Grains.Workflows.WorkflowGrain.MaxStepsInFlight;

    private static string Parallel(IEnumerable<string> steps) => $$"""{"parallel":[{{string.Join(',', steps)}}]}""";

    private static List<string> Lines(string path) =>
        File.Exists(path) ? [.. File.ReadAllLines(path).Where(l => l.Length > 0)] : [];
}
