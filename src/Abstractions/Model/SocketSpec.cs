namespace Pyfi;

/// <summary>
/// A socket (not a POSIX socket): one function of a processor bound to a queue, with the number of calls
/// it may run at once. Task calls are made to sockets.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.SocketSpec")]
public sealed record SocketSpec
{
    /// <summary>Unique socket name, e.g. <c>pyfi.processors.sample.do_something</c>.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>The queue the socket receives calls from.</summary>
    [Id(1)] public required string Queue { get; init; }

    /// <summary>The processor whose module holds <see cref="Function"/>.</summary>
    [Id(2)] public required string Processor { get; init; }

    /// <summary>The Python function called, e.g. <c>do_something</c>.</summary>
    [Id(3)] public required string Function { get; init; }

    /// <summary>Calls that may run at once across the network (the original's <c>-c</c>: cores occupied).</summary>
    [Id(4)] public int Concurrency { get; init; } = 1;

    /// <summary>Longest time one attempt may run; <see langword="null"/> for no limit.</summary>
    [Id(5)] public TimeSpan? Timeout { get; init; }

    /// <summary>How failed attempts are retried.</summary>
    [Id(6)] public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>
    /// Most calls the socket holds not ended (queued or running); past it a submission is refused with
    /// <see cref="QueueFullException"/> instead of growing memory without bound.
    /// </summary>
    [Id(7)] public int MaxQueued { get; init; } = DefaultMaxQueued;

    /// <summary>
    /// How long a join on this socket (plugs into it on several argument positions) waits, from a run's first value,
    /// for the rest of that run's values; then it ends as a failed call (<c>JoinTimeout</c>) naming the missing
    /// positions. <see langword="null"/>: <see cref="DefaultJoinTimeout"/>.
    /// </summary>
    [Id(8)] public TimeSpan? JoinTimeout { get; init; }

    /// <summary>
    /// How many partitions its calls spread over (see <see cref="SocketPartitions"/>): each its own grain activation,
    /// queue and writer, placed on different silos where they can be, with an even share of <see cref="Concurrency"/>
    /// and <see cref="MaxQueued"/>. Submissions go by their idempotency key's hash (every client call has one), or in
    /// turn. Partitions can be added to a socket, not taken away. 1: not partitioned. <see cref="AutoPartitions"/> (0):
    /// one per silo that offers cores, growing as silos join (never shrinking when they leave: their partitions come
    /// back on the others).
    /// </summary>
    [Id(9)] public int Partitions { get; init; } = 1;

    /// <summary>The <see cref="Partitions"/> that means one per silo offering cores (<c>--partitions auto</c>).</summary>
    public const int AutoPartitions = 0;

    /// <summary>A join's wait when the socket sets none: 5 minutes.</summary>
    public static readonly TimeSpan DefaultJoinTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The queue bound a socket gets when none is given.</summary>
    public const int DefaultMaxQueued = 100_000;
}
