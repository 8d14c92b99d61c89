using System.Collections.Immutable;
using System.Text;
using Spectre.Console;

namespace Pyfi.Cli.Commands.Plugs;

/// <summary>A node of the network's drawing: a socket, or a schedule that calls one.</summary>
/// <param name="Id"><c>socket:NAME</c> or <c>schedule:NAME</c>.</param>
/// <param name="Kind"><c>socket</c> or <c>schedule</c>.</param>
/// <param name="Name">Its name.</param>
/// <param name="Detail">What it runs (<c>processor.function</c>) or when it fires.</param>
public sealed record NetworkNode(string Id, string Kind, string Name, string Detail);

/// <summary>An edge: a plug between sockets, or a schedule's calls of its socket.</summary>
/// <param name="From">The source node's id.</param>
/// <param name="To">The target node's id.</param>
/// <param name="Kind"><c>plug</c> or <c>schedule</c>.</param>
/// <param name="Name">The plug's or schedule's name.</param>
/// <param name="On">What a plug carries (<c>success</c> or <c>failure</c>).</param>
/// <param name="Arg">The target's positional argument a plug fills.</param>
public sealed record NetworkEdge(string From, string To, string Kind, string Name, string? On = null, int? Arg = null);

/// <summary>
/// The network as a graph (<c>pyfi ls network</c>): sockets, and schedules, joined by plugs. Drawn as a tree for
/// terminals (from what nothing flows into; a node drawn already, or closing a cycle, is named, not drawn again),
/// as Graphviz dot, or as JSON nodes and edges.
/// </summary>
public sealed record NetworkMap(IReadOnlyList<NetworkNode> Nodes, IReadOnlyList<NetworkEdge> Edges)
{
    /// <summary>The map of these definitions.</summary>
    public static NetworkMap Of(IEnumerable<SocketInfo> sockets, IEnumerable<PlugInfo> plugs, IEnumerable<ScheduleInfo> schedules)
    {
        var nodes = new List<NetworkNode>();
        var edges = new List<NetworkEdge>();
        foreach (var s in schedules.OrderBy(s => s.Spec.Name, StringComparer.Ordinal))
        {
            var when = Schedules.ScheduleCommands.When(s.Spec);
            nodes.Add(new($"schedule:{s.Spec.Name}", "schedule", s.Spec.Name, s.Spec.Paused ? $"{when}, paused" : when));
            edges.Add(new($"schedule:{s.Spec.Name}", $"socket:{s.Spec.Socket}", "schedule", s.Spec.Name));
        }

        foreach (var s in sockets.OrderBy(s => s.Spec.Name, StringComparer.Ordinal))
        {
            nodes.Add(new($"socket:{s.Spec.Name}", "socket", s.Spec.Name, $"{s.Spec.Processor}.{s.Spec.Function}"));
        }

        foreach (var p in plugs.OrderBy(p => p.Spec.Name, StringComparer.Ordinal))
        {
            edges.Add(new($"socket:{p.Spec.Source}", $"socket:{p.Spec.Target}", "plug", p.Spec.Name, p.Spec.On == PlugOn.Failure ? "failure" : "success", p.Spec.Arg));
        }

        return new(nodes, edges);
    }

    /// <summary>The map as a tree: roots are what nothing flows into (schedules first), then what is left (cycles).</summary>
    public Tree ToTree()
    {
        var tree = new Tree("[bold]network[/]");
        var byId = Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var outgoing = Edges.ToLookup(e => e.From, StringComparer.Ordinal);
        var fedByPlug = Edges.Where(e => e.Kind == "plug").Select(e => e.To).ToHashSet(StringComparer.Ordinal);
        var drawn = new HashSet<string>(StringComparer.Ordinal);

        // Iterative: a network of thousands of sockets in a chain is drawn without a deep recursion.
        void Draw(IHasTreeNodes parent, NetworkNode root, string? via)
        {
            var stack = new Stack<(IHasTreeNodes Parent, NetworkNode Node, string? Via, ImmutableStack<string> Path)>();
            stack.Push((parent, root, via, ImmutableStack<string>.Empty));
            while (stack.Count > 0)
            {
                var (at, node, how, path) = stack.Pop();
                var label = $"{(how is null ? "" : $"[grey]{Markup.Escape(how)} →[/] ")}{Label(node)}";
                if (path.Contains(node.Id))
                {
                    at.AddNode($"{label} [yellow](cycle)[/]");
                    continue;
                }

                if (!drawn.Add(node.Id))
                {
                    at.AddNode($"{label} [grey](above)[/]");
                    continue;
                }

                var added = at.AddNode(label);
                foreach (var edge in outgoing[node.Id].Reverse())
                {
                    stack.Push((added, byId.GetValueOrDefault(edge.To) ?? Missing(edge.To), Via(edge), path.Push(node.Id)));
                }
            }
        }

        foreach (var node in Nodes.Where(n => n.Kind == "schedule")) Draw(tree, node, null);
        foreach (var node in Nodes.Where(n => n.Kind == "socket" && !fedByPlug.Contains(n.Id) && !drawn.Contains(n.Id))) Draw(tree, node, null);
        foreach (var node in Nodes.Where(n => !drawn.Contains(n.Id))) Draw(tree, node, null);
        return tree;
    }

    /// <summary>The map in Graphviz's dot language.</summary>
    public string ToDot()
    {
        var dot = new StringBuilder("digraph pyfi {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        foreach (var n in Nodes)
        {
            var shape = n.Kind == "schedule" ? ", shape=note" : "";
            dot.Append($"  {Quote(n.Id)} [label={Quote($"{n.Name}\n{n.Detail}")}{shape}];\n");
        }

        foreach (var e in Edges)
        {
            var style = e.On == "failure" ? ", style=dashed, color=red" : e.Kind == "schedule" ? ", style=dotted" : "";
            dot.Append($"  {Quote(e.From)} -> {Quote(e.To)} [label={Quote(Via(e))}{style}];\n");
        }

        return dot.Append("}\n").ToString();
    }

    private static string Label(NetworkNode node) =>
        node.Kind == "schedule" ? $"[blue]⏱ {Markup.Escape(node.Name)}[/] [grey]{Markup.Escape(node.Detail)}[/]" : $"[bold]{Markup.Escape(node.Name)}[/] [grey]{Markup.Escape(node.Detail)}[/]";

    private static string Via(NetworkEdge e) =>
        e.Kind == "schedule" ? "calls" : $"{e.Name}{(e.On == "failure" ? ", on failure" : "")}{(e.Arg is > 0 ? $", arg {e.Arg}" : "")}";

    private static NetworkNode Missing(string id) => new(id, "socket", id[(id.IndexOf(':') + 1)..], "(not defined)");

    // Names and labels may hold anything a definition allows; dot's strings escape '"' and '\'.
    private static string Quote(string text) => $"\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"";
}
