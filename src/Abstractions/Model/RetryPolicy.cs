using System.Collections.Immutable;

namespace Pyfi;

/// <summary>How a socket retries a call whose attempt failed.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.RetryPolicy")]
public sealed record RetryPolicy
{
    /// <summary>The policy a socket gets when none is given.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>Attempts in all, the first included. 1 means never retry.</summary>
    [Id(0)] public int MaxAttempts { get; init; } = 3;

    /// <summary>Wait before the second attempt.</summary>
    [Id(1)] public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each further wait is the previous one times this.</summary>
    [Id(2)] public double Multiplier { get; init; } = 2.0;

    /// <summary>No wait is longer than this.</summary>
    [Id(3)] public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Fraction (0..1) of each wait that is randomised, so retries of many calls do not align.</summary>
    [Id(4)] public double Jitter { get; init; } = 0.2;

    /// <summary>Python exception type names (e.g. <c>ValueError</c>) that fail a call at once.</summary>
    [Id(5)] public ImmutableArray<string> NonRetryable { get; init; } = [];
}
