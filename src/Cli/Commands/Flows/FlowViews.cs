using System.Text;
using Pyfi.Cli.Infrastructure;
using Pyfi.Protocol;
using Spectre.Console;

namespace Pyfi.Cli.Commands.Flows;

/// <summary>How workflows and call graphs read on a terminal.</summary>
public static class FlowViews
{
    /// <summary>One line: which workflow, how it ended, how long it took.</summary>
    public static string Summary(FlowInfo flow)
    {
        var took = flow.Ended is { } end ? $" in {(end - flow.Created).TotalMilliseconds:0.#} ms" : "";
        return $"workflow {flow.Id}: {Views.Name(flow.State)}{took}, {flow.Done} of {flow.Total} steps done";
    }

    /// <summary>Why a workflow did not succeed, for stderr: the failing step, its error and the traceback's last frames.</summary>
    public static string Failure(FlowSummary flow)
    {
        if (flow.State == FlowState.Cancelled) return $"pyfi: workflow {flow.Id} was cancelled ({flow.Done} of {flow.Total} steps done)\n";
        var text = new StringBuilder();
        var step = flow.Failed;
        var error = flow.Error ?? new CallError(Views.Name(flow.State), "");
        text.AppendLine($"pyfi: workflow {flow.Id} failed at step {step?.Number.ToString() ?? "?"} ({step?.Socket ?? "?"}, call {step?.Call?.ToString() ?? "-"}): {error}");
        if (error.Traceback is { } traceback) text.Append(CallViews.LastFrames(traceback, CallViews.TracebackFrames));
        return text.ToString();
    }

    /// <summary>
    /// The whole workflow as a tree (<c>pyfi ls call -g</c>): its pipelines, parallels and funnels, and each call
    /// step with its socket, state and duration; the call asked about (if a call's id was asked about) is marked.
    /// </summary>
    public static Tree Graph(CallGraph graph)
    {
        var marked = graph.Call?.Id;
        if (graph.Flow is not { } flow) return RunGraph(graph, marked);

        var byId = graph.Calls.ToDictionary(c => c.Id);
        var numbers = new Dictionary<FlowStep, int>(ReferenceEqualityComparer.Instance);
        foreach (var (call, i) in flow.Graph.Calls().Select((c, i) => (c, i))) numbers[call] = i;
        var took = flow.Ended is { } end ? $" · {(end - flow.Created).TotalMilliseconds:0.#} ms" : "";
        var tree = new Tree($"[bold]workflow {flow.Id}[/] · {Views.Name(flow.State)}{took} · {flow.Done}/{flow.Total} steps");
        Add(tree, flow.Graph);
        return tree;

        void Add(IHasTreeNodes parent, FlowStep node)
        {
            if (node.Kind == FlowStepKind.Call)
            {
                var step = flow.Steps[numbers[node]];
                parent.AddNode(step.Call is { } id && byId.TryGetValue(id, out var call)
                    ? Label(call, marked)
                    : $"{Markup.Escape(step.Socket)} · [grey]waiting[/]");
                return;
            }

            var branch = parent.AddNode(Views.Name(node.Kind));
            foreach (var child in node.Steps) Add(branch, child);
            if (node.Final is { } final) Add(branch.AddNode("final"), final);
        }
    }

    // A call outside a workflow: its run as a tree of the calls plugs made, from the run's first call.
    private static Tree RunGraph(CallGraph graph, Guid? marked)
    {
        var call = graph.Call!;
        var ids = graph.Calls.Select(c => c.Id).ToHashSet();
        var children = graph.Calls.Where(c => c.Parent is { } p && ids.Contains(p)).ToLookup(c => c.Parent!.Value);
        var roots = graph.Calls.Where(c => c.Parent is not { } p || !ids.Contains(p)).OrderBy(c => c.Created).ToList();
        if (graph.Calls.Length <= 1) return new Tree(Label(call, marked));
        var tree = new Tree($"[bold]run {call.Run}[/] · {graph.Calls.Length} calls");
        foreach (var root in roots) Add(tree.AddNode(Label(root, marked)), root.Id, 0);
        return tree;

        void Add(IHasTreeNodes parent, Guid id, int depth)
        {
            if (depth > 10_000) return;
            foreach (var child in children[id].OrderBy(c => c.Created)) Add(parent.AddNode(Label(child, marked)), child.Id, depth + 1);
        }
    }

    /// <summary>
    /// The calls fed by a call, and the calls they fed, as a tree (<c>pyfi ls call -t</c>): each call's parent is
    /// the call whose result came first in its arguments (or whose end a plug carried).
    /// </summary>
    public static Tree Subtree(CallGraph graph)
    {
        var children = graph.Calls.Where(c => c.Parent is not null).ToLookup(c => c.Parent!.Value);
        var marked = graph.Call?.Id;
        Tree tree;
        if (graph.Call is { } call)
        {
            tree = new Tree(Label(call, marked));
            Add(tree, call.Id, 0);
            return tree;
        }

        // A workflow's id: every call no other call fed is a root.
        var flow = graph.Flow!;
        var ids = graph.Calls.Select(c => c.Id).ToHashSet();
        tree = new Tree($"[bold]workflow {flow.Id}[/] · {Views.Name(flow.State)} · {flow.Done}/{flow.Total} steps");
        foreach (var root in graph.Calls.Where(c => c.Parent is not { } p || !ids.Contains(p)).OrderBy(c => c.Created))
        {
            Add(tree.AddNode(Label(root, marked)), root.Id, 0);
        }

        return tree;

        void Add(IHasTreeNodes parent, Guid id, int depth)
        {
            if (depth > 10_000) return;
            foreach (var child in children[id].OrderBy(c => c.Created)) Add(parent.AddNode(Label(child, marked)), child.Id, depth + 1);
        }
    }

    private static string Label(CallInfo call, Guid? marked)
    {
        var took = call.Finished is { } e ? $" · {(e - (call.Started ?? call.Created)).TotalMilliseconds:0.#} ms" : "";
        var state = call.State switch
        {
            CallState.Succeeded => "[green]succeeded[/]",
            CallState.Failed => "[red]failed[/]",
            CallState.Cancelled => "[yellow]cancelled[/]",
            _ => Views.Name(call.State),
        };
        var text = $"{Markup.Escape(call.Socket)} · {state}{took} · [grey]{call.Id}[/]";
        return call.Id == marked ? $"[bold]{text} ◀[/]" : text;
    }
}
