namespace Pyfi;

/// <summary>
/// The life state of a processor. A user writes the <em>requested</em> status; the network moves the
/// <em>actual</em> status towards it (the original's desired-state contract).
/// </summary>
[GenerateSerializer]
public enum ProcessorStatus
{
    /// <summary>Defined and able to run; workers start when calls arrive.</summary>
    Ready,

    /// <summary>Code is being fetched and its environment built.</summary>
    Deploying,

    /// <summary>At least one worker is serving calls.</summary>
    Running,

    /// <summary>Calls stay queued and no worker runs them.</summary>
    Paused,

    /// <summary>Workers are stopped; calls stay queued.</summary>
    Stopped,

    /// <summary>The last deployment failed; see the processor's error.</summary>
    Error,
}
