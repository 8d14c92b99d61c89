using System.Text.Json;
using Pyfi.Client;
using Pyfi.Client.Sockets;
using Pyfi.Client.Workflows;
using Pyfi.Tests.Execution;
using Pyfi.Tests.Infrastructure;
using static Pyfi.Client.Workflows.Flow;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// Pipelines, parallels and funnels run by the network, through the client library, against a real silo and
/// real Python: the original's semantics checked against results worked out by hand.
/// </summary>
public sealed class WorkflowTests(ExecutionFixture fixture) : IClassFixture<ExecutionFixture>
{
    // The seed's example, worked out by hand from do_something(message, *args) = "Message: " + str(message) +
    // " " + each arg, with Celery's rules (a result goes first; a list is str()'d the Python way).
    internal const string SeedResult =
        "Message: ['Message: Eight', [\"Message: ['Message: Message: Message: One Two Four', 'Message: Message: Message: One Two Five'] Three\", " +
        "'Message: Six', 'Message: Seven'], 'Message: Nine'] Four";

    [Fact]
    public async Task TheSeedsExampleRunsAsWrittenAndGivesWhatTheOriginalWould()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var socket = pyfi.Socket<string, string>("do_something");
        PyfiStep doSomething(string message) => socket.Bind(message);

        var _pipeline = Pipeline(
            doSomething("One"),
            doSomething("Two"),
            Parallel(
                doSomething("Four"),
                doSomething("Five")),
            doSomething("Three"));
        var _parallel = Parallel(
            _pipeline,
            doSomething("Six"),
            doSomething("Seven"));
        var _funnel = Funnel(
            doSomething("Eight"),
            _parallel,
            doSomething("Nine"));

        var flow = await pyfi.StartAsync(_funnel(doSomething("Four")));
        Assert.Equal(SeedResult, await flow.GetAsync<string>(TimeSpan.FromSeconds(60)));

        var info = await flow.InfoAsync();
        Assert.Equal(FlowState.Succeeded, info.State);
        Assert.Equal((10, 10), (info.Done, info.Total));
        Assert.All(info.Steps, s => Assert.Equal(CallState.Succeeded, s.State));
    }

    [Fact]
    public async Task APipelinePutsEachResultBeforeTheNextStepsArguments()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var doSomething = pyfi.Socket<string, string>("do_something");
        var doThis = pyfi.Socket<string>("do_this");

        var result = await pyfi.RunAsync<string>(Pipeline(doSomething.Bind("a"), doThis.Bind("b"), doThis.Bind()));

        Assert.Equal("This: This: Message: a b", result);
    }

    [Fact]
    public async Task AParallelGivesItsResultsInTheOrderDeclaredNotTheOrderFinished()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var sleepy = pyfi.Socket<double, double>("sleepy");
        var noop = pyfi.Socket<int, int>("noop");

        var result = await pyfi.RunAsync<JsonElement>(Parallel(sleepy.Bind(0.5), noop.Bind(1), noop.Bind(2)));

        Assert.Equal("[0.5,1,2]", result.GetRawText());
    }

    [Fact]
    public async Task InsideAPipelineEachMemberOfAParallelGetsThePreviousResultAndTheNextStepGetsTheList()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var noop = pyfi.Socket<int, int>("noop");
        var echo = pyfi.Socket<JsonElement>("echo");

        var result = await pyfi.RunAsync<JsonElement>(Pipeline(noop.Bind(5), Parallel(echo.Bind("a"), echo.Bind("b")), echo.Bind()));

        Assert.Equal("""{"args":[[{"args":[5,"a"],"kwargs":{}},{"args":[5,"b"],"kwargs":{}}]],"kwargs":{}}""", result.GetRawText());
    }

    [Fact]
    public async Task AFunnelCallsItsFinalStepWithTheListOfResultsAndNestsToAnyDepth()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var noop = pyfi.Socket<int, int>("noop");
        var echo = pyfi.Socket<JsonElement>("echo");

        var flat = await pyfi.RunAsync<JsonElement>(Funnel(noop.Bind(1), noop.Bind(2), noop.Bind(3))(echo.Bind("x")));
        var nested = await pyfi.RunAsync<JsonElement>(Funnel(Funnel(noop.Bind(1), noop.Bind(2))(echo.Bind()), noop.Bind(3))(echo.Bind()));

        Assert.Equal("""{"args":[[1,2,3],"x"],"kwargs":{}}""", flat.GetRawText());
        Assert.Equal("""{"args":[[{"args":[[1,2]],"kwargs":{}},3]],"kwargs":{}}""", nested.GetRawText());
    }

    [Fact]
    public async Task AFunnelOfAThousandCallsGivesAllThousandResultsInOrder()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var noop = pyfi.Socket<int, int>("noop");
        var echo = pyfi.Socket<JsonElement>("echo");

        var flow = await pyfi.StartAsync(Funnel([.. Enumerable.Range(0, 1000).Select(i => noop.Bind(i))])(echo.Bind()));
        var result = await flow.GetAsync<JsonElement>(TimeSpan.FromSeconds(120));

        var list = result.GetProperty("args")[0].EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, 1000), list);
        Assert.Equal((1001, 1001), ((await flow.InfoAsync()).Done, (await flow.InfoAsync()).Total));
    }

    [Fact]
    public async Task AFailingStepFailsTheWorkflowWithItsErrorAndNothingAfterItRuns()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var noop = pyfi.Socket<int, int>("noop");
        var fail = pyfi.Socket<int, int>("fail");
        var echo = pyfi.Socket<JsonElement>("echo");

        var funnel = await pyfi.StartAsync(Funnel(noop.Bind(1), fail.Bind(7), noop.Bind(3))(echo.Bind()));
        var failed = await Assert.ThrowsAsync<PyfiFlowFailedException>(() => funnel.GetAsync<JsonElement>(TimeSpan.FromSeconds(60)));
        var pipeline = await pyfi.StartAsync(Pipeline(fail.Bind(8), echo.Bind("never")));
        var failedFirst = await Assert.ThrowsAsync<PyfiFlowFailedException>(() => pipeline.GetAsync<JsonElement>(TimeSpan.FromSeconds(60)));

        Assert.Equal(FlowState.Failed, failed.Flow.State);
        Assert.Equal(1, failed.Flow.FailedStep);
        Assert.Equal($"workflow {funnel.Id} failed at step 1 (fail): ValueError: bad value 7 (attempt 3 of 3)", failed.Message);
        Assert.Contains("raise ValueError", failed.PythonTraceback);
        Assert.Null(failed.Flow.Steps[3].Call);
        Assert.Equal(0, failedFirst.Flow.FailedStep);
        Assert.Null(failedFirst.Flow.Steps[1].Call);
    }

    [Fact]
    public async Task CancelStopsTheRunningStepAndStartsNothingAfter()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var sleepy = pyfi.Socket<double, double>("sleepy");
        var echo = pyfi.Socket<JsonElement>("echo");

        var flow = await pyfi.StartAsync(Pipeline(sleepy.Bind(30), echo.Bind("never")));
        await Poll.UntilAsync(async () => (await flow.InfoAsync()).Steps[0].Call is { } call
            && (await pyfi.Cluster.GetGrain<ITaskCallGrain>(call).GetAsync()).State == CallState.Running, TimeSpan.FromSeconds(30), "the first step to run");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancelled = await flow.CancelAsync();

        Assert.Equal(FlowState.Cancelled, cancelled.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancelling took {clock.Elapsed}");
        var first = await pyfi.Cluster.GetGrain<ITaskCallGrain>(cancelled.Steps[0].Call!.Value).GetAsync();
        Assert.Equal(CallState.Cancelled, first.State);
        Assert.Null(cancelled.Steps[1].Call);
        var thrown = await Assert.ThrowsAsync<PyfiFlowFailedException>(() => flow.GetAsync<JsonElement>());
        Assert.Equal($"workflow {flow.Id} was cancelled", thrown.Message);
    }

    [Fact]
    public async Task AClientThatDisconnectsGetsTheResultLaterByIdFromAnotherConnection()
    {
        Guid id;
        await using (var first = await fixture.Silo.ConnectAsync())
        {
            var sleepy = first.Socket<double, double>("sleepy");
            id = (await first.StartAsync(Pipeline(sleepy.Bind(1), first.Socket<string>("do_this").Bind()))).Id;
        }

        await using var second = await fixture.Silo.ConnectAsync();
        Assert.Equal("This: 1", await second.Flow(id).GetAsync<string>(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task WatchingAWorkflowShowsItsStepsEndingUntilItEnds()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var sleepy = pyfi.Socket<double, double>("sleepy");

        // sleepy(0.6) returns 0.6, which the next one sleeps: about 3.6 s in all.
        var flow = await pyfi.StartAsync(Pipeline([sleepy.Bind(0.6), .. Enumerable.Range(0, 5).Select(_ => sleepy.Bind())]));
        var seen = new List<FlowProgress>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var progress in flow.WatchAsync(limit.Token)) seen.Add(progress);

        Assert.Equal(FlowState.Succeeded, seen[^1].State);
        Assert.Equal((6, 6), (seen[^1].Done, seen[^1].Total));
        Assert.True(seen.Count >= 3, $"only {seen.Count} progress items for 6 steps of 0.6 s");
        Assert.True(seen[0].Done < 6, "the first item is not where the workflow was when watching began");
        Assert.Equal(seen.Select(p => p.Done).Order(), seen.Select(p => p.Done));
    }

    [Fact]
    public async Task BadWorkflowsAreRefusedWithClearErrorsAndNothingIsStarted()
    {
        await using var pyfi = await fixture.Silo.ConnectAsync();
        var noop = pyfi.Socket<int, int>("noop");

        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => pyfi.StartAsync(Pipeline(noop.Bind(1), pyfi.Socket<int>("nope").Bind())));
        var emptyFunnel = await Assert.ThrowsAsync<InvalidSpecException>(() =>
            pyfi.Cluster.GetGrain<IWorkflowGrain>(Guid.NewGuid()).StartAsync(FlowStep.Funnel([FlowStep.Call("noop", "[1]")], null!)));
        var badArgs = await Assert.ThrowsAsync<InvalidSpecException>(() =>
            pyfi.Cluster.GetGrain<IWorkflowGrain>(Guid.NewGuid()).StartAsync(FlowStep.Pipeline([FlowStep.Call("noop", "{\"x\":1}")])));
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => pyfi.Flow(Guid.NewGuid()).InfoAsync());
        var mismatch = await Assert.ThrowsAsync<PyfiTypeMismatchException>(() => pyfi.RunAsync<int>(pyfi.Socket<string>("do_this").Bind("x")));

        Assert.Equal("socket 'nope' does not exist", unknown.Message);
        Assert.Equal("the workflow is a funnel without a final step", emptyFunnel.Message);
        Assert.Equal("the arguments of step 1 of the workflow (noop) must be a JSON array", badArgs.Message);
        Assert.StartsWith("workflow ", missing.Message);
        Assert.Contains("is not a Int32", mismatch.Message);
        Assert.Throws<ArgumentException>(() => Pipeline());
    }
}
