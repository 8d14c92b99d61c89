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
}
