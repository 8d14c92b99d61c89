using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One task call, keyed by its id: what clients ask about a call once they have its id. The call's row in SQL
/// is written by the socket that accepted it and the workers that run its attempts; this grain reads it and,
/// while the call has not ended, asks that socket for the call as it is now. It holds no state of its own.
/// </summary>
public interface ITaskCallGrain : IGrainWithGuidKey
{
    /// <summary>The call as it is now; throws <see cref="NotFoundException"/> for an unknown id.</summary>
    [ClientAccess(PyfiPermission.Read, "read calls")]
    [AlwaysInterleave] Task<CallInfo> GetAsync();

    /// <summary>
    /// The call once it has ended, or as it is when <paramref name="timeout"/> passes (at most 25 s, inside Orleans'
    /// response timeout): the socket holding the call answers the moment it ends. Cancelling
    /// <paramref name="cancellationToken"/> (the caller gone) drops the wait at once, so a waiter that left holds
    /// nothing. A longer wait is a loop of these (<c>PyfiCall.WaitAsync</c>).
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "read calls")]
    [AlwaysInterleave] Task<CallInfo> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Cancels the call (see <see cref="ISocketGrain.CancelAsync"/>) and returns it cancelled.</summary>
    [ClientAccess(PyfiPermission.Operate, "cancel calls")]
    [AlwaysInterleave] Task<CallInfo> CancelAsync();
}
