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

    /// <summary>The worker that ran the last attempt (host, process).</summary>
    [Id(12)] public string? Worker { get; init; }

    /// <summary>When the call was accepted.</summary>
    [Id(13)] public required DateTimeOffset Created { get; init; }

    /// <summary>When the last attempt started.</summary>
    [Id(14)] public DateTimeOffset? Started { get; init; }

    /// <summary>When the call ended.</summary>
    [Id(15)] public DateTimeOffset? Finished { get; init; }

    /// <summary>The call this one belongs under, if any.</summary>
    [Id(16)] public Guid? Parent { get; init; }
}
