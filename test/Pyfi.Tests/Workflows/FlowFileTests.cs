using System.Diagnostics;
using System.Text;
using Pyfi.Cli.Commands.Flows;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// <see cref="FlowFile"/>'s bounds, in the fast tier: a workflow file is refused, with its line, as soon as it
/// nests too deep, holds too many nodes or uses an anchor or alias, before the rest is read.
/// </summary>
[Trait("Category", "Fast")]
public sealed class FlowFileTests
{
    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    // A call whose args nest so that the file's lists and mappings are `depth` deep (the call's mapping is level 1).
    private static string YamlCall(int depth) => $"socket: s\nargs: {Repeat("[", depth - 1)}1{Repeat("]", depth - 1)}\n";

    private static string JsonCall(int depth) => $"{{\"socket\": \"s\",\n \"args\": {Repeat("[", depth - 1)}1{Repeat("]", depth - 1)}}}";

    [Fact]
    public void AFileNestedToTheLimitIsReadAndOneLevelMoreIsRefusedWithItsLine()
    {
        var yaml = FlowFile.Parse(YamlCall(PyfiLimits.MaxDepth));
        var json = FlowFile.Parse(JsonCall(PyfiLimits.MaxDepth));

        Assert.Equal(Repeat("[", 62) + "1" + Repeat("]", 62), yaml.Args[1..^1]);
        Assert.Equal(yaml.Args, json.Args);
        Assert.Equal("the workflow file is nested deeper than 64 levels (line 2)", Refusal(YamlCall(PyfiLimits.MaxDepth + 1)));
        Assert.Equal("the workflow file is nested deeper than 64 levels (line 2)", Refusal(JsonCall(PyfiLimits.MaxDepth + 1)));
    }

    [Fact]
    public void ThousandsOfLevelsAreRefusedAtTheSixtyFifth()
    {
        var block = new StringBuilder("pipeline:\n");
        for (var i = 0; i < 100; i++) block.Append(' ', 4 * i).Append("- pipeline:\n");

        Assert.Equal("the workflow file is nested deeper than 64 levels (line 1)", Refusal(Repeat("a: [", 10_000)));
        Assert.Equal("the workflow file is nested deeper than 64 levels (line 33)", Refusal(block.ToString()));
        Assert.Equal("the workflow file is nested deeper than 64 levels (line 1)", Refusal(Repeat("[", 100_000)));
        Assert.Equal("the workflow file is nested deeper than 64 levels (line 1)", Refusal(Repeat("{\"a\": [", 10_000)));
    }

    [Fact]
    public void AnchorsAndAliasesAreRefusedSoABillionLaughsIsNeverBuilt()
    {
        var laughs = new StringBuilder("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++) laughs.Append($"lol{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 9))}]\n");
        var clock = Stopwatch.StartNew();

        var billion = Refusal(laughs.ToString());

        Assert.Equal("anchors are not allowed in a workflow file (line 1)", billion);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Equal("aliases are not allowed in a workflow file (line 3)", Refusal("pipeline:\n  - {socket: s}\n  - *step\n"));
        Assert.Equal("aliases are not allowed in a workflow file (line 2)", Refusal("socket: s\n<<: *defaults\n"));
    }

    [Fact]
    public void AFileWithMoreNodesThanAnyWorkflowNeedsIsRefusedWhereItPassesTheBound()
    {
        var nodes = $"socket: s\nargs: [{string.Join(',', Enumerable.Repeat('1', PyfiLimits.MaxWorkflowFileNodes))}]\n";

        Assert.Equal("the workflow file has more than 1000000 nodes (line 2)", Refusal(nodes));
    }

    [Fact]
    public void AWorkflowMayHaveAsManyCallsAsTheNetworkRunsAndNoMore()
    {
        static string Parallel(int calls) => "parallel:\n" + string.Concat(Enumerable.Range(0, calls).Select(i => $"  - {{socket: s, args: [{i}]}}\n"));

        var largest = FlowFile.Parse(Parallel(PyfiLimits.MaxWorkflowCalls));

        Assert.Equal(PyfiLimits.MaxWorkflowCalls, largest.Steps.Length);
        Assert.Equal("a workflow may have at most 100000 calls", Refusal(Parallel(PyfiLimits.MaxWorkflowCalls + 1)));
    }

    [Theory]
    [InlineData("socket: a\nsocket: b\n", "'socket' appears twice in one mapping of the workflow file (line 2)")]
    [InlineData("socket: a\n---\nsocket: b\n", "a workflow file holds one YAML document; another starts at line 2")]
    [InlineData("? [a]\n: b\n", "a key in a workflow file must be a name, not a list or mapping (line 1)")]
    [InlineData("socket: a\nargs: [1, 2\n", "the workflow file is not valid YAML or JSON: While parsing a flow sequence, did not find expected ',' or ']' (line 3, column 1)")]
    [InlineData("{\"socket\": \"a\", \"args\": [1, }", "the workflow file is not valid YAML or JSON: '}' is an invalid start of a value (line 1, byte 29)")]
    [InlineData("{\"socket\": \"a\", \"socket\": \"b\"}", "the workflow file is not valid YAML or JSON: Duplicate property 'socket' encountered during deserialization")]
    [InlineData("", "the workflow file is empty")]
    public void WhatIsNotOneWorkflowIsRefusedInOneLineWithoutDotNetNames(string text, string error)
    {
        Assert.Equal(error, Refusal(text));
    }

    private static string Refusal(string text)
    {
        var message = Assert.Throws<InvalidSpecException>(() => FlowFile.Parse(text)).Message;
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotMatch(@"Exception|System\.|YamlDotNet|Line: ", message);
        return message;
    }
}
