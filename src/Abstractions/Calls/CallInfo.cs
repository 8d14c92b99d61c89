using System.Collections.Immutable;

namespace Pyfi;

/// <summary>Everything Pyfi keeps about one task call; also what is stored for it in SQL.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.CallInfo")]
public sealed record CallInfo
{
    /// <summary>The call's id.</summary>
    [Id(0)] public required Guid Id { get; init; }

    /// <summary>The socket called.</summary>
    [Id(1)] public required string Socket { get; init; }

    /// <summary>The processor whose code ran.</summary>
    [Id(2)] public required string Processor { get; init; }

    /// <summary>The Python function.</summary>
    [Id(3)] public required string Function { get; init; }

    /// <summary>Positional arguments (JSON array text).</summary>
    [Id(4)] public string Args { get; init; } = "[]";

    /// <summary>Keyword arguments (JSON object text), if any.</summary>
    [Id(5)] public string? Kwargs { get; init; }

    /// <summary>Where the call is in its life.</summary>
    [Id(6)] public CallState State { get; init; } = CallState.Queued;

    /// <summary>Attempts started so far.</summary>
    [Id(7)] public int Attempts { get; init; }

    /// <summary>The function's return value (JSON text), once it succeeded.</summary>
    [Id(8)] public string? Result { get; init; }

    /// <summary>Why it failed, once it failed.</summary>
    [Id(9)] public CallError? Error { get; init; }

    /// <summary>What the function printed to stdout and stderr (last attempt).</summary>
    [Id(10)] public string? Output { get; init; }

    /// <summary>The commit of the processor's repository the last attempt ran.</summary>
    [Id(11)] public string? Commit { get; init; }

    /// <summary>
    /// The process that runs (or ran) the last attempt, <c>host:port/pid</c>: known once the process began it.
    /// </summary>
    [Id(12)] public string? Worker { get; init; }

    /// <summary>When the call was accepted.</summary>
    [Id(13)] public required DateTimeOffset Created { get; init; }

    /// <summary>When the last attempt started.</summary>
    [Id(14)] public DateTimeOffset? Started { get; init; }

    /// <summary>When the call ended.</summary>
    [Id(15)] public DateTimeOffset? Finished { get; init; }

    /// <summary>The call this one belongs under, if any.</summary>
    [Id(16)] public Guid? Parent { get; init; }

    /// <summary>The workflow this call is a step of, if any.</summary>
    [Id(17)] public Guid? Workflow { get; init; }

    /// <summary>The client's key for this submission: a repeated submission with the same key is this call.</summary>
    [Id(18)] public string? Key { get; init; }

    /// <summary>While running: until when the running attempt's lease holds. A lapsed lease means the attempt is lost.</summary>
    [Id(19)] public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>While running: the silo that runs the attempt (Orleans silo address, with its generation).</summary>
    [Id(20)] public string? Owner { get; init; }

    /// <summary>While queued for a retry: the attempt does not start before this.</summary>
    [Id(21)] public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Every attempt that ended without ending the call, oldest first, with its error.</summary>
    [Id(22)] public ImmutableArray<CallAttempt> History { get; init; } = [];

    /// <summary>This call's own retry policy, if it was given one; otherwise its socket's applies.</summary>
    [Id(23)] public RetryPolicy? Retry { get; init; }

    /// <summary>This call's own per-attempt time limit, if it was given one; otherwise its socket's applies.</summary>
    [Id(24)] public TimeSpan? Timeout { get; init; }

    /// <summary>When the call was cancelled, if it was.</summary>
    [Id(25)] public DateTimeOffset? Cancelled { get; init; }

    /// <summary>The worker slot that runs (or ran) the last attempt, <c>socket#slot</c>; <see cref="Worker"/> is its process.</summary>
    [Id(26)] public string? Slot { get; init; }

    /// <summary>This call's own attempts in all, if it was given them; otherwise its retry policy's apply.</summary>
    [Id(27)] public int? MaxAttempts { get; init; }

    /// <summary>
    /// The run this call belongs to: the id of the call a client or a schedule started, which plugs' calls inherit
    /// (<see langword="null"/> only on rows stored before runs existed: the call is its own run).
    /// </summary>
    [Id(28)] public Guid? Run { get; init; }

    /// <summary>How many plugs led to this call from its run's first call (0 for that call).</summary>
    [Id(29)] public int Hop { get; init; }

    /// <summary>
    /// The calls plugs are still to make now that this call ended (stored with its end, cleared once they are made);
    /// empty when there are none or they are made.
    /// </summary>
    [Id(30)] public ImmutableArray<PlugDelivery> Deliveries { get; init; } = [];
}

/// <summary>One attempt of a call that did not end it: it failed, died, timed out or was lost, and the call ran again.</summary>
/// <param name="Number">The attempt's number, from 1.</param>
/// <param name="Worker">Where it ran (host:port/pid), if known.</param>
/// <param name="Started">When it started.</param>
/// <param name="Ended">When it ended, or when it was found lost.</param>
/// <param name="Error">Why it did not end the call.</param>
[GenerateSerializer, Immutable, Alias("pyfi.CallAttempt")]
public sealed record CallAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] string? Worker,
    [property: Id(2)] DateTimeOffset? Started,
    [property: Id(3)] DateTimeOffset Ended,
    [property: Id(4)] CallError Error);
