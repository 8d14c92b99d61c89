namespace Pyfi;

/// <summary>Where a task call is in its life. A call ends exactly once: succeeded, failed or cancelled.</summary>
[GenerateSerializer]
public enum CallState
{
    /// <summary>Accepted and stored; waiting for a worker.</summary>
    Queued,

    /// <summary>A worker is running an attempt.</summary>
    Running,

    /// <summary>The function returned; the result is stored.</summary>
    Succeeded,

    /// <summary>The function raised, or the call could not run, after its attempts.</summary>
    Failed,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,
}

/// <summary>Facts about <see cref="CallState"/>.</summary>
public static class CallStates
{
    /// <summary>Whether the call has ended.</summary>
    public static bool IsFinal(this CallState state) => state is CallState.Succeeded or CallState.Failed or CallState.Cancelled;
}
