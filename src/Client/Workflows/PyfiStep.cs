namespace Pyfi.Client.Workflows;

/// <summary>
/// A step of a workflow, not yet run: a socket bound to arguments (<see cref="Sockets.PyfiSocket{TResult}.Bind(object?[])"/>),
/// or a pipeline, parallel or funnel of steps (<see cref="Flow"/>). Run it with <see cref="PyfiClient.StartAsync"/>
/// or <see cref="PyfiClient.RunAsync{TResult}"/>; it runs in the network, not in this process.
/// </summary>
public class PyfiStep
{
    internal PyfiStep(FlowStep graph) => Graph = graph;

    /// <summary>The step as data, as it is sent to the network.</summary>
    public FlowStep Graph { get; }

    /// <summary>For a call: the socket.</summary>
    public string? Socket => Graph.Socket;

    /// <summary>For a call: its bound arguments (JSON array).</summary>
    public string Args => Graph.Args;

    /// <inheritdoc />
    public override string ToString() => Graph.Kind == FlowStepKind.Call ? $"{Socket}({Args[1..^1]})" : $"{Graph.Kind.ToString().ToLowerInvariant()}[{Graph.Steps.Length}]";
}

/// <summary>A socket bound to arguments, whose result is a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">What the function returns.</typeparam>
public sealed class PyfiStep<TResult> : PyfiStep
{
    internal PyfiStep(FlowStep graph)
        : base(graph)
    {
    }
}
