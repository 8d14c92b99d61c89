using System.Text.Json;
using Pyfi.Grains.Workflows;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// The walk of a workflow's graph without processes: what is ready when, results gathered in declaration order
/// whatever order steps end in, and graphs at the documented maximum (100,000 calls) walked without a task per
/// node or recursion along a pipeline.
/// </summary>
[Trait("Category", "Fast")]
public sealed class FlowWalkTests
{
    private static FlowStep C(int tag) => FlowStep.Call("s", $"[{tag}]");

    // The seed's shape: funnel(Eight, parallel(pipeline(One, Two, parallel(Four, Five), Three), Six, Seven), Nine)(Four).
    private static FlowStep Seed() => FlowStep.Funnel(
        [
            C(8),
            FlowStep.Parallel([FlowStep.Pipeline([C(1), C(2), FlowStep.Parallel([C(4), C(5)]), C(3)]), C(6), C(7)]),
            C(9),
        ],
        C(4));

    public static TheoryData<string> Orders => ["first", "last", "shuffled"];

    [Theory]
    [MemberData(nameof(Orders))]
    public void NestedPipelinesParallelsAndFunnelsGiveWhatCeleryWouldWhateverOrderStepsEndIn(string order)
    {
        var graph = FlowGraph.Of(Seed());

        var (result, _) = Walk(graph, order);

        Assert.Equal(Reference(graph.Root, null), result.Json);
        Assert.Equal(graph.Calls.Count - 1, Step(result.From));
    }

    [Fact]
    public void APipelineMakesEachStepReadyOnlyWhenTheOneBeforeHasSucceededWithItsResultAsInput()
    {
        var walk = new FlowWalk(FlowGraph.Of(FlowStep.Pipeline([C(0), C(1), C(2)])));
        walk.Start();

        Assert.Equal([0], Ready(walk));
        Assert.Null(walk.InputOf(0));
        walk.Succeeded(0, new StepValue("\"a\"", Call(0)));
        Assert.Equal([1], Ready(walk));
        Assert.Equal(new StepValue("\"a\"", Call(0)), walk.InputOf(1));
        walk.Succeeded(1, new StepValue("\"b\"", Call(1)));
        Assert.Equal([2], Ready(walk));
        Assert.Null(walk.Result);
        walk.Succeeded(2, new StepValue("\"c\"", Call(2)));
        Assert.Equal(new StepValue("\"c\"", Call(2)), walk.Result);
    }

    [Fact]
    public void AFunnelsFinalStepIsReadyOnlyOnceEveryMemberHasSucceededAndGetsTheirListInOrder()
    {
        var walk = new FlowWalk(FlowGraph.Of(FlowStep.Funnel([C(0), C(1), C(2)], C(3))));
        walk.Start();

        Assert.Equal([0, 1, 2], Ready(walk));
        walk.Succeeded(2, new StepValue("2", Call(2)));
        walk.Succeeded(0, new StepValue("0", Call(0)));
        Assert.Empty(Ready(walk));
        walk.Succeeded(1, new StepValue("1", Call(1)));
        Assert.Equal([3], Ready(walk));
        Assert.Equal(new StepValue("[0,1,2]", Call(2)), walk.InputOf(3));
    }

    [Fact]
    public void AParallelOfAHundredThousandCallsIsReadyAtOnceAndGivesTheirResultsInDeclarationOrder()
    {
        var graph = FlowGraph.Of(FlowStep.Parallel([.. Enumerable.Range(0, FlowGraph.MaxSteps).Select(C)]));
        var walk = new FlowWalk(graph);
        walk.Start();

        Assert.Equal(FlowGraph.MaxSteps, walk.ReadyCount);
        // They end backwards: the list is still in the order declared.
        for (var i = FlowGraph.MaxSteps - 1; i >= 0; i--) walk.Succeeded(i, new StepValue(i.ToString(), Call(i)));

        var list = JsonSerializer.Deserialize<int[]>(walk.Result!.Value.Json)!;
        Assert.Equal(Enumerable.Range(0, FlowGraph.MaxSteps), list);
        Assert.Equal(Call(FlowGraph.MaxSteps - 1), walk.Result.Value.From);
    }

    [Fact]
    public void AReplayedPipelineOfAHundredThousandEndedStepsWalksToItsEndWithoutRecursingAlongIt()
    {
        // A replay: every step's end is known, so each is taken the moment it is ready (as the grain does).
        var walk = new FlowWalk(FlowGraph.Of(FlowStep.Pipeline([.. Enumerable.Range(0, FlowGraph.MaxSteps).Select(C)])));
        walk.Start();
        var taken = 0;
        while (walk.TryTakeReady(out var step))
        {
            Assert.Equal(taken++, step);
            walk.Succeeded(step, new StepValue(step.ToString(), Call(step)));
        }

        Assert.Equal(FlowGraph.MaxSteps, taken);
        Assert.Equal(new StepValue((FlowGraph.MaxSteps - 1).ToString(), Call(FlowGraph.MaxSteps - 1)), walk.Result);
    }

    // Walks the graph, ending the ready steps in the given order; each call's result names its step and input.
    private static (StepValue Result, int Steps) Walk(FlowGraph graph, string order)
    {
        var walk = new FlowWalk(graph);
        var random = new Random(7);
        walk.Start();
        var pending = new List<int>();
        var ended = 0;
        while (walk.Result is null)
        {
            pending.AddRange(Ready(walk));
            Assert.NotEmpty(pending);
            var index = order switch { "first" => 0, "last" => pending.Count - 1, _ => random.Next(pending.Count) };
            var step = pending[index];
            pending.RemoveAt(index);
            walk.Succeeded(step, new StepValue(ResultOf(graph.Calls[step], walk.InputOf(step)?.Json), Call(step)));
            ended++;
        }

        Assert.Empty(pending);
        Assert.Equal(graph.Calls.Count, ended);
        return (walk.Result.Value, ended);
    }

    // Celery's rules, evaluated by recursion over the graph as the grain did before the walk was data.
    private static string Reference(FlowStep node, string? input) => node.Kind switch
    {
        FlowStepKind.Call => ResultOf(node, input),
        FlowStepKind.Pipeline => node.Steps.Aggregate(input, (value, step) => Reference(step, value))!,
        FlowStepKind.Parallel => List(node.Steps, input),
        _ => Reference(node.Final!, List(node.Steps, input)),
    };

    private static string List(IEnumerable<FlowStep> steps, string? input) => $"[{string.Join(',', steps.Select(s => Reference(s, input)))}]";

    private static string ResultOf(FlowStep call, string? input) => $"{{\"args\":{call.Args},\"input\":{input ?? "null"}}}";

    private static List<int> Ready(FlowWalk walk)
    {
        var ready = new List<int>();
        while (walk.TryTakeReady(out var step)) ready.Add(step);
        return ready;
    }

    private static Guid Call(int step) => new(step, 0, 0, new byte[8]);

    private static int Step(Guid? call) => BitConverter.ToInt32(call!.Value.ToByteArray(), 0);
}
