namespace Pyfi.Client.Calls;

/// <summary>
/// Wakes one waiter when something may have changed: rings made while nobody waits are kept as one, so a waiter
/// that comes after a ring does not wait. For followers, rung by their stream (see <see cref="FollowStreams"/>).
/// </summary>
public sealed class Doorbell
{
    private TaskCompletionSource _rung = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Rings: the current or next wait ends.</summary>
    public void Ring() => Volatile.Read(ref _rung).TrySetResult();

    /// <summary>
    /// Waits for a ring, at most <paramref name="timeout"/> by <paramref name="time"/>'s clock; <see langword="true"/>
    /// when it rang. Either way the bell is quiet again afterwards (a ring during the wait's return is kept).
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var rung = Volatile.Read(ref _rung);
        bool wasRung;
        try
        {
            await rung.Task.WaitAsync(timeout, time, cancellationToken);
            wasRung = true;
        }
        catch (TimeoutException)
        {
            wasRung = false;
        }

        // Only a ring that ended this wait is taken; one that comes after is left for the next.
        if (wasRung) Interlocked.CompareExchange(ref _rung, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), rung);
        return wasRung;
    }
}
