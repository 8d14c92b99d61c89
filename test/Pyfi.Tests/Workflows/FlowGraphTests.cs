using Pyfi.Grains.Workflows;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// A workflow's graph checked and numbered (<see cref="FlowGraph"/>), without processes: the numbering a workflow
/// taken up again depends on to find the calls it already submitted, the step keys built from it, and each
/// malformed node refused in one line that says which node it is and why.
/// </summary>
[Trait("Category", "Fast")]
public sealed class FlowGraphTests
{
    private static FlowStep C(string socket) => FlowStep.Call(socket);

    [Fact]
    public void CallsAreNumberedDepthFirstWithAFunnelsFinalAfterItsSteps()
    {
        // funnel(pipeline(a, parallel(b, c)), d)(funnel(e)(f))
        var (a, b, c, d, e, f) = (C("a"), C("b"), C("c"), C("d"), C("e"), C("f"));
        var graph = FlowGraph.Of(FlowStep.Funnel([FlowStep.Pipeline([a, FlowStep.Parallel([b, c])]), d], FlowStep.Funnel([e], f)));

        Assert.Equal(["a", "b", "c", "d", "e", "f"], graph.Calls.Select(call => call.Socket));
        Assert.Equal([0, 1, 2, 3, 4, 5], new[] { a, b, c, d, e, f }.Select(graph.NumberOf));
    }

    [Fact]
    public void TwoEqualCallsAreTwoStepsWithTheirOwnNumbers()
    {
        // Records that compare equal are still two nodes: the numbering goes by the node, not its value.
        var (first, second) = (FlowStep.Call("s", "[1]"), FlowStep.Call("s", "[1]"));
        var graph = FlowGraph.Of(FlowStep.Parallel([first, second]));

        Assert.Equal(first, second);
        Assert.Equal(0, graph.NumberOf(first));
        Assert.Equal(1, graph.NumberOf(second));
    }

    [Fact]
    public void AStepsKeyNamesItsWorkflowAndNumberAndIsReadBackOnlyForThatWorkflow()
    {
        var flow = Guid.Parse("0f8e1c1e-7a57-4b1e-9a7e-3f52c1d0a001");
        var other = Guid.Parse("0f8e1c1e-7a57-4b1e-9a7e-3f52c1d0a002");

        var key = FlowGraph.KeyOf(flow, 41);

        Assert.Equal("flow:0f8e1c1e7a574b1e9a7e3f52c1d0a001:41", key);
        Assert.Equal(41, FlowGraph.StepOf(flow, key));
        Assert.Null(FlowGraph.StepOf(other, key));
        Assert.Null(FlowGraph.StepOf(flow, null));
        Assert.Null(FlowGraph.StepOf(flow, "a user's own key"));
        Assert.Null(FlowGraph.StepOf(flow, $"flow:{flow:N}:forty-one"));
    }

    public static TheoryData<FlowStep, string> Malformed => new()
    {
        { FlowStep.Call(""), "the workflow is a call without a socket" },
        { FlowStep.Pipeline([C("a"), FlowStep.Call("has space")]), "socket name 'has space' may hold only letters, digits, '.', '_' and '-', and must not start with '.' or '-'" },
        { new FlowStep { Kind = FlowStepKind.Call, Socket = "s", Steps = [C("a")] }, "the workflow is a call of s and cannot have steps" },
        { new FlowStep { Kind = FlowStepKind.Call, Socket = "s", Final = C("a") }, "the workflow is a call of s and cannot have steps" },
        { FlowStep.Parallel([C("a"), FlowStep.Call("s", "{}")]), "the arguments of step 2 of the workflow (s) must be a JSON array" },
        { FlowStep.Call("s", "[]", "[1]"), "the keyword arguments of the workflow (s) must be a JSON object" },
        { FlowStep.Pipeline([C("a"), FlowStep.Parallel([])]), "step 2 of the workflow is a parallel without steps" },
        { FlowStep.Funnel([C("a")], FlowStep.Pipeline([])), "the final step of the workflow is a pipeline without steps" },
        { new FlowStep { Kind = FlowStepKind.Funnel, Steps = [C("a")] }, "the workflow is a funnel without a final step" },
        { new FlowStep { Kind = FlowStepKind.Parallel, Steps = [C("a")], Final = C("b") }, "the workflow is a parallel and cannot have a final step (only a funnel has one)" },
        { FlowStep.Pipeline([FlowStep.Funnel([C("a"), new FlowStep { Kind = (FlowStepKind)9 }], C("b"))]), "step 2 of step 1 of the workflow has an unknown kind (9)" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void AMalformedNodeIsRefusedInOneLineSayingWhichAndWhy(FlowStep root, string message)
    {
        var refusal = Assert.Throws<InvalidSpecException>(() => FlowGraph.Of(root));

        Assert.Equal(message, refusal.Message);
    }

    [Fact]
    public void GraphsNestToTheLimitAndOneLevelMoreIsRefused()
    {
        static FlowStep Nested(int depth) => depth == 1 ? C("s") : FlowStep.Pipeline([Nested(depth - 1)]);

        Assert.Single(FlowGraph.Of(Nested(FlowGraph.MaxDepth)).Calls);
        var refusal = Assert.Throws<InvalidSpecException>(() => FlowGraph.Of(Nested(FlowGraph.MaxDepth + 1)));
        Assert.EndsWith($"nests deeper than {FlowGraph.MaxDepth} levels", refusal.Message);
        Assert.StartsWith("step 1 of step 1 of ", refusal.Message);
    }

    [Fact]
    public void AWorkflowMayHaveAsManyCallsAsTheNetworkRunsAndNoMore()
    {
        var most = FlowGraph.Of(FlowStep.Funnel([.. Enumerable.Range(0, FlowGraph.MaxSteps - 1).Select(_ => C("s"))], C("last")));

        Assert.Equal(FlowGraph.MaxSteps, most.Calls.Count);
        Assert.Equal(FlowGraph.MaxSteps - 1, most.NumberOf(most.Root.Final!));
        var refusal = Assert.Throws<InvalidSpecException>(() => FlowGraph.Of(FlowStep.Funnel([.. Enumerable.Range(0, FlowGraph.MaxSteps).Select(_ => C("s"))], C("last"))));
        Assert.Equal($"a workflow may have at most {FlowGraph.MaxSteps} calls", refusal.Message);
    }
}
