using Pyfi.Cli.Commands.Plugs;
using Spectre.Console;

namespace Pyfi.Tests.Flows;

/// <summary><c>pyfi ls network</c>'s drawing: from what nothing flows into, fan-in drawn once, a cycle named, and dot that quotes what names hold.</summary>
[Trait("Category", "Fast")]
public sealed class NetworkMapTests
{
    private static readonly ModelStamp Stamp = new(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static readonly NetworkMap Map = NetworkMap.Of(
        [Socket("a"), Socket("b"), Socket("c"), Socket("j"), Socket("loop1"), Socket("loop2")],
        [Plug("a-b", "a", "b"), Plug("a-c", "a", "c", PlugOn.Failure), Plug("b-j", "b", "j"), Plug("c-j", "c", "j", arg: 1),
            Plug("l12", "loop1", "loop2"), Plug("l21", "loop2", "loop1")],
        [new ScheduleInfo(new ScheduleSpec { Name = "tick", Socket = "a", Every = TimeSpan.FromSeconds(30) }, Stamp, null)]);

    [Fact]
    public void TheTreeStartsAtSchedulesAndSocketsNothingFlowsIntoAndDrawsEachSocketOnce()
    {
        var text = Render(Map.ToTree());

        Assert.Contains("⏱ tick every 30s", text);
        Assert.Contains("calls → a p.f_a", text);
        Assert.Contains("a-c, on failure → c", text);
        Assert.Contains("c-j, arg 1 → j p.f_j (above)", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "→ j p.f_j$", System.Text.RegularExpressions.RegexOptions.Multiline));
        // A cycle with no way in is drawn from one of its sockets, and its closing edge is named.
        Assert.Contains("l21 → loop1 p.f_loop1 (cycle)", text);
    }

    [Fact]
    public void DotNamesEveryNodeAndEdgeAndQuotesWhatTheyHold()
    {
        var dot = NetworkMap.Of([Socket("x\"y")], [Plug("p", "x\"y", "x\"y", maxHops: true)], []).ToDot();

        Assert.StartsWith("digraph pyfi {", dot);
        Assert.Contains("\"socket:x\\\"y\" [label=\"x\\\"y\\np.f_x\\\"y\"];", dot);
        Assert.Contains("\"socket:x\\\"y\" -> \"socket:x\\\"y\" [label=\"p\"];", dot);
        Assert.Contains("shape=note", Map.ToDot());
        Assert.Contains("style=dashed, color=red", Map.ToDot());
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.Write(renderable);
        return string.Join('\n', writer.ToString().Split('\n').Select(l => l.TrimEnd()));
    }

    private static SocketInfo Socket(string name) =>
        new(new SocketSpec { Name = name, Queue = "q", Processor = "p", Function = $"f_{name}" }, Stamp);

    private static PlugInfo Plug(string name, string source, string target, PlugOn on = PlugOn.Success, int arg = 0, bool maxHops = false) =>
        new(new PlugSpec { Name = name, Source = source, Target = target, On = on, Arg = arg, MaxHops = maxHops ? 3 : null }, Stamp);
}
