using Orleans.Concurrency;

namespace Pyfi;

/// <summary>
/// One task call, keyed by its id: it stores the call in SQL when the call is accepted and again when it
/// ends, and answers questions about it. Sockets create and finish calls; clients read and wait.
/// </summary>
public interface ITaskCallGrain : IGrainWithGuidKey
{
    /// <summary>Stores a new call; returns once it is durable. Called by the socket that accepted it.</summary>
    Task CreateAsync(CallInfo call);

    /// <summary>Records that an attempt started (not yet durable: the call stays queued in SQL until it ends).</summary>
    [OneWay] Task MarkRunningAsync(int attempt, string worker, string commit, DateTimeOffset started);

    /// <summary>Stores how the call ended; returns once it is durable. A call ends once: later endings are ignored.</summary>
    Task<CallInfo> CompleteAsync(CallCompletion completion);

    /// <summary>The call as it is now; throws <see cref="NotFoundException"/> for an unknown id.</summary>
    [AlwaysInterleave] Task<CallInfo> GetAsync();

    /// <summary>The call once it has ended, or as it is when <paramref name="timeout"/> passes (at most 25 s).</summary>
    [AlwaysInterleave] Task<CallInfo> WaitAsync(TimeSpan timeout);
}

/// <summary>How an attempt ended.</summary>
/// <param name="State">Succeeded, Failed or Cancelled.</param>
/// <param name="Attempts">Attempts started in all.</param>
/// <param name="Result">The return value (JSON text), when it succeeded.</param>
/// <param name="Error">The error, when it failed.</param>
/// <param name="Output">What the function printed.</param>
/// <param name="Commit">The commit the last attempt ran.</param>
/// <param name="Worker">The worker that ran it.</param>
/// <param name="Started">When the last attempt started.</param>
/// <param name="Finished">When it ended.</param>
[GenerateSerializer, Immutable, Alias("pyfi.CallCompletion")]
public sealed record CallCompletion(
    CallState State, int Attempts, string? Result, CallError? Error, string? Output, string? Commit, string? Worker,
    DateTimeOffset? Started, DateTimeOffset Finished);
