namespace Pyfi;

/// <summary>A change to a socket; properties left <see langword="null"/> stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.SocketUpdate")]
public sealed record SocketUpdate
{
    /// <summary>New queue.</summary>
    [Id(0)] public string? Queue { get; init; }

    /// <summary>New processor.</summary>
    [Id(1)] public string? Processor { get; init; }

    /// <summary>New function.</summary>
    [Id(2)] public string? Function { get; init; }

    /// <summary>New concurrency.</summary>
    [Id(3)] public int? Concurrency { get; init; }

    /// <summary>New per-attempt time limit; <see cref="TimeSpan.Zero"/> removes the limit.</summary>
    [Id(4)] public TimeSpan? Timeout { get; init; }

    /// <summary>New retry policy.</summary>
    [Id(5)] public RetryPolicy? Retry { get; init; }

    /// <summary>New number of attempts, keeping the rest of the retry policy.</summary>
    [Id(6)] public int? MaxAttempts { get; init; }

    /// <summary>New queue bound.</summary>
    [Id(7)] public int? MaxQueued { get; init; }

    /// <summary>New wait before the second attempt, keeping the rest of the retry policy.</summary>
    [Id(8)] public TimeSpan? InitialBackoff { get; init; }

    /// <summary>New longest wait between attempts, keeping the rest of the retry policy.</summary>
    [Id(9)] public TimeSpan? MaxBackoff { get; init; }

    /// <summary>New list of Python exception types never retried (empty clears it), keeping the rest of the retry policy.</summary>
    [Id(10)] public string[]? NonRetryable { get; init; }

    /// <summary>New join timeout; <see cref="TimeSpan.Zero"/> returns to the default.</summary>
    [Id(11)] public TimeSpan? JoinTimeout { get; init; }

    /// <summary>New number of partitions (more than it has: partitions are not taken away).</summary>
    [Id(12)] public int? Partitions { get; init; }

    /// <summary>The socket with this change applied.</summary>
    public SocketSpec ApplyTo(SocketSpec spec) => spec with
    {
        Queue = Queue ?? spec.Queue,
        Processor = Processor ?? spec.Processor,
        Function = Function ?? spec.Function,
        Concurrency = Concurrency ?? spec.Concurrency,
        Timeout = Timeout is null ? spec.Timeout : Timeout == TimeSpan.Zero ? null : Timeout,
        Retry = (Retry ?? spec.Retry) with
        {
            MaxAttempts = MaxAttempts ?? (Retry ?? spec.Retry).MaxAttempts,
            InitialBackoff = InitialBackoff ?? (Retry ?? spec.Retry).InitialBackoff,
            MaxBackoff = MaxBackoff ?? (Retry ?? spec.Retry).MaxBackoff,
            NonRetryable = NonRetryable is { } types ? [.. types] : (Retry ?? spec.Retry).NonRetryable,
        },
        MaxQueued = MaxQueued ?? spec.MaxQueued,
        JoinTimeout = JoinTimeout is null ? spec.JoinTimeout : JoinTimeout == TimeSpan.Zero ? null : JoinTimeout,
        Partitions = Partitions ?? spec.Partitions,
    };
}
