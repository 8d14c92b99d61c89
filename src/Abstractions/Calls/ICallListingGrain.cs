using Orleans.Concurrency;

namespace Pyfi;

/// <summary>Lists calls from storage (<c>pyfi ls calls</c>); any silo answers (key <c>0</c>).</summary>
public interface ICallListingGrain : IGrainWithIntegerKey
{
    /// <summary>The calls <paramref name="query"/> asks for, newest first. Throws <see cref="InvalidSpecException"/> for a limit out of range.</summary>
    [ClientAccess(PyfiPermission.Read, "list calls")]
    [AlwaysInterleave] Task<CallInfo[]> ListAsync(CallQuery query);

    /// <summary>Every call of workflow <paramref name="workflow"/>, oldest first.</summary>
    [ClientAccess(PyfiPermission.Read, "list calls")]
    [AlwaysInterleave] Task<CallInfo[]> ListWorkflowAsync(Guid workflow);

    /// <summary>
    /// The calls of <paramref name="target"/> that ended after <paramref name="after"/> (a page's cursor), in the order
    /// their ends were committed: at most <paramref name="limit"/> (1 to <see cref="FollowPage.MaxCalls"/>) and about
    /// <see cref="FollowPage.MaxBytes"/>. With no <paramref name="after"/>, an empty page whose cursor is now (throws
    /// <see cref="NotFoundException"/> for a socket or run that does not exist). Keeps the follower's lease, so the
    /// silos ring its stream (<see cref="FollowStreams"/>) while it reads.
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "follow calls")]
    [AlwaysInterleave] Task<FollowPage> FollowAsync(FollowTarget target, long? after, int limit);
}
