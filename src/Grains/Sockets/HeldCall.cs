using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Sockets;

/// <summary>A call of a socket not ended: as anyone asking sees it, what is pending for it, and its end.</summary>
internal sealed class HeldCall(CallInfo call)
{
    /// <summary>The call as this socket knows it (its row, or the attempt it is running).</summary>
    public CallInfo Call { get; set; } = call;

    /// <summary>The slot running its attempt, while one does.</summary>
    public int? Slot { get; set; }

    /// <summary>Its row is to be read again when it comes out of the waiting line (storage failed, or a lease runs).</summary>
    public bool Reconcile { get; set; }

    /// <summary>How long the last wait before reading or writing its row again was (doubling while storage fails).</summary>
    public TimeSpan Recheck { get; set; }

    /// <summary>
    /// Held only for whoever waits for it: its place in the queue is in SQL (see <see cref="QueuePager"/>), and it is
    /// queued when a page reaches it, or let go when its last waiter stops waiting.
    /// </summary>
    public bool Waiting { get; set; }

    /// <summary>How many are waiting for its end now.</summary>
    public int Waiters { get; set; }

    /// <summary>A change that could not be stored (the database failed), to be tried again.</summary>
    public CallChange? Pending { get; set; }

    /// <summary>Completed with the call's end: every waiter awaits it.</summary>
    public TaskCompletionSource<CallInfo> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
