namespace Pyfi;

/// <summary>Which calls a listing asks for (<c>pyfi ls calls</c>): newest first.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.CallQuery")]
public sealed record CallQuery
{
    /// <summary>Most calls one listing returns.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>Only this socket's calls, if given.</summary>
    [Id(0)] public string? Socket { get; init; }

    /// <summary>Only calls in this state, if given.</summary>
    [Id(1)] public CallState? State { get; init; }

    /// <summary>Only calls accepted at or after this, if given.</summary>
    [Id(2)] public DateTimeOffset? Since { get; init; }

    /// <summary>At most this many (1 to <see cref="MaxLimit"/>).</summary>
    [Id(3)] public int Limit { get; init; } = 100;

    /// <summary>Only calls of this run, if given (a run's first call and every call plugs made from it).</summary>
    [Id(4)] public Guid? Run { get; init; }
}
