namespace Pyfi;

/// <summary>A request to run a socket's function once.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.CallRequest")]
public sealed record CallRequest
{
    /// <summary>The socket to call.</summary>
    [Id(0)] public required string Socket { get; init; }

    /// <summary>Positional arguments, as a JSON array (the text).</summary>
    [Id(1)] public string Args { get; init; } = "[]";

    /// <summary>Keyword arguments, as a JSON object (the text), or <see langword="null"/>.</summary>
    [Id(2)] public string? Kwargs { get; init; }

    /// <summary>The call this one belongs under in a call graph, if any.</summary>
    [Id(3)] public Guid? Parent { get; init; }
}
