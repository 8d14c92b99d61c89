namespace Pyfi.Grains.Sockets;

/// <summary>One of a socket's worker slots (<c>socket#index</c>), as the socket sees it.</summary>
internal sealed class SocketSlot(int index)
{
    /// <summary>The slot's number: its worker grain is <c>socket#Index</c>.</summary>
    public int Index { get; } = index;

    /// <summary>Calls handed to its worker and not yet answered: the one it runs and at most one behind it.</summary>
    public int InFlight { get; set; }

    /// <summary>When the slot may try again to find a core after none was free.</summary>
    public DateTimeOffset WaitUntil { get; set; }

    /// <summary>How long the slot last backed off (doubling while no core is free).</summary>
    public TimeSpan Backoff { get; set; }

    /// <summary>When its worker last answered.</summary>
    public DateTimeOffset LastEnded { get; set; } = DateTimeOffset.MinValue;

    /// <summary>Its worker answered since the slot last had to find a core: it is active and holds one.</summary>
    public bool Placed { get; set; }

    /// <summary>Its worker grain and that grain's key, once asked for (made once, not per call).</summary>
    public (IWorkerGrain Grain, string Key)? Worker { get; set; }
}
