namespace Pyfi;

/// <summary>A request to run a socket's function once.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.CallRequest")]
public sealed record CallRequest
{
    /// <summary>The socket to call: the grain it is sent to (a socket refuses a request that names another).</summary>
    [Id(0)] public required string Socket { get; init; }

    /// <summary>Positional arguments, as a JSON array (the text).</summary>
    [Id(1)] public string Args { get; init; } = "[]";

    /// <summary>Keyword arguments, as a JSON object (the text), or <see langword="null"/>.</summary>
    [Id(2)] public string? Kwargs { get; init; }

    /// <summary>The call this one belongs under in a call graph, if any.</summary>
    [Id(3)] public Guid? Parent { get; init; }

    /// <summary>The workflow this call is a step of, if any.</summary>
    [Id(4)] public Guid? Workflow { get; init; }

    /// <summary>
    /// An idempotency key: a submission with a key the socket has seen returns that call instead of making a
    /// new one (for as long as the call is kept).
    /// </summary>
    [Id(5)] public string? Key { get; init; }

    /// <summary>This call's retry policy instead of the socket's, if given.</summary>
    [Id(6)] public RetryPolicy? Retry { get; init; }

    /// <summary>This call's per-attempt time limit instead of the socket's, if given.</summary>
    [Id(7)] public TimeSpan? Timeout { get; init; }

    /// <summary>This call's attempts in all instead of its retry policy's (the rest of the policy still applies), if given.</summary>
    [Id(8)] public int? MaxAttempts { get; init; }

    /// <summary>The run the call belongs to, when a plug makes it (set by the network, not by clients).</summary>
    [Id(9)] public Guid? Run { get; init; }

    /// <summary>How many plugs led to the call from its run's first call (set by the network, not by clients).</summary>
    [Id(10)] public int Hop { get; init; }
}
