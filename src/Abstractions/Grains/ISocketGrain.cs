using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One socket, keyed by its name: its definition, its queue of calls (kept in SQL through the calls it
/// accepted), and the dispatch of those calls to its worker slots. A partitioned socket's other partitions are
/// socket grains too, keyed <c>name@p</c> (see <see cref="SocketPartitions"/>); any of them answers for any call of
/// the socket, and its own grain takes submissions for all.
/// </summary>
public interface ISocketGrain : IDefinitionOwner<SocketSpec>
{
    /// <summary>
    /// Accepts a call: it is stored in SQL before this returns anything. Then waits up to <paramref name="wait"/>
    /// (at most 25 s) for it to end, and returns the call as it is then. Throws <see cref="NotFoundException"/>
    /// for a socket that does not exist and <see cref="InvalidSpecException"/> for malformed arguments.
    /// Cancelling <paramref name="cancellationToken"/> drops the wait, not the call.
    /// </summary>
    [ClientAccess(PyfiPermission.Submit, "run calls")]
    [AlwaysInterleave] Task<CallInfo> RunAsync(CallRequest request, TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>
    /// The call as this socket holds it now (queued, or running with its attempt and worker), or
    /// <see langword="null"/> when this socket does not hold it (it has ended, or it is not this socket's).
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "read calls")]
    [AlwaysInterleave] Task<CallInfo?> GetCallAsync(Guid id);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (at most 25 s) for call <paramref name="id"/> to end, and returns it
    /// as it is then. A call of this socket stored as not ended that this socket does not hold (its end could
    /// not be stored) is taken up again first. <see langword="null"/> when the call is not this socket's.
    /// Cancelling <paramref name="cancellationToken"/> (the waiter gone) drops the wait at once.
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "read calls")]
    [AlwaysInterleave] Task<CallInfo?> WaitCallAsync(Guid id, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels call <paramref name="id"/>: stored as cancelled first, so a queued call never runs and a running
    /// one's result is refused; a running attempt's Python process is stopped. Returns the cancelled call. Throws
    /// <see cref="NotFoundException"/> for a call that is not this socket's and <see cref="CallEndedException"/>
    /// for one that has ended.
    /// </summary>
    [ClientAccess(PyfiPermission.Operate, "cancel calls")]
    [AlwaysInterleave] Task<CallInfo> CancelAsync(Guid id);

    /// <summary>Takes up every call of this socket stored as not ended that this activation does not hold (after a restart, or a silo lost).</summary>
    Task ResumeAsync();

    /// <summary>
    /// Keeps <paramref name="plugs"/> as the plugs leaving this socket unless it holds the same or a newer revision
    /// (pushed by the registry; idempotent). Calls that end from now on are carried by them.
    /// </summary>
    Task ApplyPlugsAsync(PlugSet plugs);

    /// <summary>
    /// Stores a call of this socket that ends failed without running, with <paramref name="error"/> (a join that timed
    /// out); under the request's key, so a repeat finds the first. Returns the call.
    /// </summary>
    Task<CallInfo> RecordFailureAsync(CallRequest request, CallError error);

    /// <summary>
    /// What a partition of this socket takes from the socket's own grain as it activates: the definition, the plugs
    /// leaving the socket and how many partitions it has now (for <c>--partitions auto</c>, as many as it has grown to).
    /// </summary>
    [ReadOnly] Task<SocketPartitionSetup> GetPartitionSetupAsync();

    /// <summary>
    /// How many partitions the socket has now (1 when it is not partitioned): a client sends its submissions straight
    /// to the partition their key goes to (see <see cref="SocketPartitions.ForKey"/>) instead of through this grain.
    /// Throws <see cref="NotFoundException"/> for a socket that does not exist.
    /// </summary>
    [ClientAccess(PyfiPermission.Read, "read sockets")]
    [AlwaysInterleave, ReadOnly] Task<int> GetPartitionsAsync();

    /// <summary>The socket (with <c>--partitions auto</c>) has grown to <paramref name="partitions"/>: this partition's share changes.</summary>
    Task ResizeAsync(int partitions);

    /// <summary>The processor's deployment changed: new calls run the new code.</summary>
    [OneWay] Task DeploymentChangedAsync(ProcessorDeployment deployment);

    /// <summary>
    /// Told by the slot ledger when a core was let go after this socket found none free: its slots waiting out
    /// a backoff try again now.
    /// </summary>
    [OneWay] Task CoreFreedAsync();

    /// <summary>
    /// Told by the slot ledger to move to <paramref name="silo"/> (its silo is far busier than that one): the socket
    /// starts no attempt, waits until those running have ended and their ends are stored, answers its waiters (they ask
    /// again), and migrates there; its calls stay queued, stored, and the new activation reads them. If that does not
    /// happen within a few seconds it stays and carries on.
    /// </summary>
    [OneWay] Task MoveAsync(SiloAddress silo);
}
