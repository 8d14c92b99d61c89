using System.Text;

namespace Pyfi.Grains.Workflows;

/// <summary>
/// A workflow's graph being evaluated, as data rather than as a task per node: which call steps can be
/// submitted now (their input is known, in the order they became so), and what each step's result makes
/// ready next. A pipeline starts its next node with the last one's result, a parallel gives the list of its
/// nodes' results in their order once all have ended, a funnel starts its final node with that list. A
/// parallel of 100,000 calls costs an entry in a queue per call, not 100,000 awaiting tasks, and a result
/// travels up at most the graph's depth (64), so a replay in which every step has already ended does not
/// recurse along a long pipeline. Not thread-safe: the workflow grain drives it on its own scheduler.
/// </summary>
public sealed class FlowWalk
{
    private readonly Node[] _nodes;
    private readonly int[] _nodeOfStep;
    private readonly Queue<int> _ready = new();

    /// <summary>Numbers <paramref name="graph"/>'s nodes, breadth first, so that each node's children are contiguous.</summary>
    public FlowWalk(FlowGraph graph)
    {
        var nodes = new List<Node>();
        var shapes = new List<FlowStep>();
        _nodeOfStep = new int[graph.Calls.Count];
        nodes.Add(new Node { Parent = -1 });
        shapes.Add(graph.Root);
        for (var i = 0; i < shapes.Count; i++)
        {
            var shape = shapes[i];
            var node = nodes[i];
            node.Kind = shape.Kind;
            if (shape.Kind == FlowStepKind.Call)
            {
                node.Step = graph.NumberOf(shape);
                _nodeOfStep[node.Step] = i;
            }
            else
            {
                // A funnel's final node is its last child.
                node.FirstChild = shapes.Count;
                node.ChildCount = shape.Steps.Length + (shape.Final is null ? 0 : 1);
                foreach (var child in shape.Steps) Add(child);
                if (shape.Final is { } final) Add(final);
            }

            nodes[i] = node;

            void Add(FlowStep child)
            {
                nodes.Add(new Node { Parent = i });
                shapes.Add(child);
            }
        }

        _nodes = [.. nodes];
    }

    /// <summary>The root's result once every step it needed has succeeded.</summary>
    public StepValue? Result { get; private set; }

    /// <summary>Steps whose input is known and that have not been taken yet.</summary>
    public int ReadyCount => _ready.Count;

    /// <summary>Starts the walk at the root (no input): the first steps become ready.</summary>
    public void Start() => Start(0, null);

    /// <summary>The next step ready to be submitted, if there is one.</summary>
    public bool TryTakeReady(out int step) => _ready.TryDequeue(out step);

    /// <summary>The input of step <paramref name="step"/>, once it is ready (<see langword="null"/> for none), until it has succeeded.</summary>
    public StepValue? InputOf(int step) => _nodes[_nodeOfStep[step]].Value;

    /// <summary>Step <paramref name="step"/> succeeded with <paramref name="result"/>: the steps it feeds become ready.</summary>
    public void Succeeded(int step, StepValue result)
    {
        var index = _nodeOfStep[step];
        _nodes[index].Value = null;
        Completed(index, result);
    }

    private void Start(int index, StepValue? input)
    {
        ref var node = ref _nodes[index];
        switch (node.Kind)
        {
            case FlowStepKind.Call:
                node.Value = input;
                _ready.Enqueue(node.Step);
                return;
            case FlowStepKind.Pipeline:
                Start(node.FirstChild, input);
                return;
            case FlowStepKind.Parallel:
                node.Pending = node.ChildCount;
                for (var c = 0; c < node.ChildCount; c++) Start(node.FirstChild + c, input);
                return;
            default:
                node.Pending = node.ChildCount - 1;
                for (var c = 0; c < node.ChildCount - 1; c++) Start(node.FirstChild + c, input);
                return;
        }
    }

    // A node ended with a result: its parent goes on. Recurses only up the graph (at most its depth).
    private void Completed(int index, StepValue result)
    {
        var parentIndex = _nodes[index].Parent;
        if (parentIndex < 0)
        {
            Result = result;
            return;
        }

        ref var parent = ref _nodes[parentIndex];
        var position = index - parent.FirstChild;
        switch (parent.Kind)
        {
            case FlowStepKind.Pipeline when position < parent.ChildCount - 1:
                Start(index + 1, result);
                return;
            case FlowStepKind.Pipeline:
            case FlowStepKind.Funnel when position == parent.ChildCount - 1:
                Completed(parentIndex, result);
                return;
        }

        // A member of a parallel, or of a funnel's list: kept until the last one ends.
        _nodes[index].Value = result;
        if (--parent.Pending > 0) return;
        var members = parent.Kind == FlowStepKind.Funnel ? parent.ChildCount - 1 : parent.ChildCount;
        var list = Gather(parent.FirstChild, members);
        if (parent.Kind == FlowStepKind.Funnel) Start(parent.FirstChild + members, list);
        else Completed(parentIndex, list);
    }

    // The members' results as one JSON list in their order, and forgotten here. The list's "parent" in the call
    // graph is the last member's call.
    private StepValue Gather(int first, int count)
    {
        var length = 2 + count;
        for (var i = first; i < first + count; i++) length += _nodes[i].Value!.Value.Json.Length;
        var text = new StringBuilder(length).Append('[');
        Guid? from = null;
        for (var i = first; i < first + count; i++)
        {
            var value = _nodes[i].Value!.Value;
            if (i > first) text.Append(',');
            text.Append(value.Json);
            from = value.From;
            _nodes[i].Value = null;
        }

        return new StepValue(text.Append(']').ToString(), from);
    }

    private struct Node
    {
        public FlowStepKind Kind;
        public int Parent;
        public int FirstChild;
        public int ChildCount;
        public int Step;

        // Members of a parallel (or of a funnel's list) not ended yet.
        public int Pending;

        // A call's input until it has ended; a member's result until its list is gathered.
        public StepValue? Value;
    }
}

/// <summary>A node's result (JSON text) and the call it came from (the parent of the calls it feeds).</summary>
/// <param name="Json">The result as JSON text.</param>
/// <param name="From">The call it came from: a step's own call, or a list's last member's.</param>
public readonly record struct StepValue(string Json, Guid? From);
