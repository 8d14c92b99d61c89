namespace Pyfi.Client.Workflows;

/// <summary>
/// The workflow combinators, with the original's (Celery canvas) semantics. With <c>using static Pyfi.Client.Workflows.Flow;</c>:
/// <code>
/// var flow = Funnel(doSomething.Bind("Eight"), Parallel(Pipeline(doSomething.Bind("One"), doSomething.Bind("Two")), doSomething.Bind("Six")))(doSomething.Bind("Four"));
/// var result = await pyfi.RunAsync&lt;string&gt;(flow);
/// </code>
/// They nest to any depth. Nothing runs until the workflow is started.
/// </summary>
public static class Flow
{
    /// <summary>
    /// The steps in sequence: each one's result is put before the next one's arguments (<c>do_something("Two")</c>
    /// after a step runs as <c>do_something(&lt;its result&gt;, "Two")</c>). The pipeline's result is the last step's.
    /// </summary>
    public static PyfiStep Pipeline(params PyfiStep[] steps) => new(FlowStep.Pipeline(Graphs(steps, "pipeline")));

    /// <summary>The steps at once, each given the same input (if any); the result is the list of their results, in the order given.</summary>
    public static PyfiStep Parallel(params PyfiStep[] steps) => new(FlowStep.Parallel(Graphs(steps, "parallel")));

    /// <summary>
    /// The steps at once, then a final step with the list of their results as its first argument:
    /// <c>Funnel(a, b, c)(final)</c>. The funnel's result is the final step's.
    /// </summary>
    public static Func<PyfiStep, PyfiStep> Funnel(params PyfiStep[] steps)
    {
        var headers = Graphs(steps, "funnel");
        return final =>
        {
            ArgumentNullException.ThrowIfNull(final);
            return new PyfiStep(FlowStep.Funnel(headers, final.Graph));
        };
    }

    /// <summary>The steps, then <paramref name="final"/> with the list of their results (the same as <c>Funnel(steps)(final)</c>).</summary>
    public static PyfiStep Funnel(IEnumerable<PyfiStep> steps, PyfiStep final) => Funnel([.. steps])(final);

    private static FlowStep[] Graphs(PyfiStep[] steps, string kind)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0) throw new ArgumentException($"a {kind} needs at least one step", nameof(steps));
        return [.. steps.Select(s => s?.Graph ?? throw new ArgumentNullException(nameof(steps), $"a step of a {kind} is null"))];
    }
}
