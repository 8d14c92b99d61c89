namespace Pyfi;

/// <summary>
/// A plug: a durable edge from a source socket to a target socket. When a call of the source ends the way
/// <see cref="On"/> says, a call of the target is made with the source's result (or error) at positional argument
/// <see cref="Arg"/>, in the same run, exactly once, whatever fails meanwhile.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.PlugSpec")]
public sealed record PlugSpec
{
    /// <summary>Unique plug name.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>The socket whose calls' ends are carried.</summary>
    [Id(1)] public required string Source { get; init; }

    /// <summary>The socket a call is made on.</summary>
    [Id(2)] public required string Target { get; init; }

    /// <summary>Which end is carried: a success's result (the default) or a failure's error.</summary>
    [Id(3)] public PlugOn On { get; init; } = PlugOn.Success;

    /// <summary>The target call's positional argument the value goes to (0 by default; earlier ones are <c>None</c>).</summary>
    [Id(4)] public int Arg { get; init; }

    /// <summary>
    /// Most plug hops a run may take through this plug (a run's first call is hop 0): required on a plug that
    /// closes a cycle, so a cycle always ends. <see langword="null"/>: no limit (the plug is on no cycle).
    /// </summary>
    [Id(5)] public int? MaxHops { get; init; }

    /// <summary>The highest positional argument a plug may fill.</summary>
    public const int MaxArg = 63;

    /// <summary>The highest hop limit.</summary>
    public const int MaxHopLimit = 10_000;
}
