using Orleans.Runtime;

namespace Pyfi.Grains.Security;

/// <summary>
/// Starts a grain call's next step (the grain's method, or the send of a message) in a given execution context,
/// with the network's mark set in it first when one is given, and returns its task; the caller's own context is as
/// it was once this returns. What the step's awaits capture is that context, not the caller's.
/// </summary>
internal static class CallInContext
{
    private static readonly ContextCallback Run = static state => ((Step)state!).Start();

    /// <summary>Starts <paramref name="call"/> in <paramref name="context"/> (marked with <paramref name="mark"/> if given).</summary>
    public static Task Start(ExecutionContext context, IGrainCallContext call, string? mark = null)
    {
        var step = new Step(call, mark);
        ExecutionContext.Run(context, Run, step);
        return step.Task!;
    }

    private sealed class Step(IGrainCallContext call, string? mark)
    {
        public Task? Task { get; private set; }

        public void Start()
        {
            if (mark is not null) RequestContext.Set(ClusterKey.MarkKey, mark);
            try
            {
                Task = call.Invoke();
            }
            catch (Exception e)
            {
                Task = System.Threading.Tasks.Task.FromException(e);
            }
        }
    }
}
