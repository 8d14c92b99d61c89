using System.Collections.Immutable;

namespace Pyfi;

/// <summary>
/// What applying a network file does, or would do (<see cref="IRegistryGrain.ApplyNetworkAsync"/>): its changes in the
/// order they are made, or, when the file is refused, every problem with it (and then nothing was changed).
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.NetworkPlan")]
public sealed record NetworkPlan
{
    /// <summary>
    /// The changes: additions and changes in dependency order (queues, processors, sockets, plugs), then deletions
    /// (with prune) in the reverse order. Empty: the network already is what the file says.
    /// </summary>
    [Id(0)] public ImmutableArray<NetworkChange> Changes { get; init; } = [];

    /// <summary>Every problem found, one line each; when there are any, nothing was changed.</summary>
    [Id(1)] public ImmutableArray<string> Problems { get; init; } = [];

    /// <summary>Whether the changes were made (false for a dry run, a refused file, or no changes).</summary>
    [Id(2)] public bool Applied { get; init; }

    /// <summary>The definitions the changes change or delete, as they were before: what a plan's reader compares with the file.</summary>
    [Id(3)] public NetworkSpec Before { get; init; } = new();

    /// <summary>The registry's revision after the apply (or now, when nothing was applied).</summary>
    [Id(4)] public long Revision { get; init; }

    /// <summary>Whether the file was refused (<see cref="Problems"/> says why).</summary>
    public bool Refused => !Problems.IsDefaultOrEmpty;
}

/// <summary>One change of a plan.</summary>
/// <param name="Kind">The kind of definition: <c>queue</c>, <c>processor</c>, <c>socket</c>, <c>plug</c>.</param>
/// <param name="Name">Its name.</param>
/// <param name="Action">Added, changed (in place: a socket keeps its calls) or deleted.</param>
[GenerateSerializer, Immutable, Alias("pyfi.NetworkChange")]
public sealed record NetworkChange([property: Id(0)] string Kind, [property: Id(1)] string Name, [property: Id(2)] NetworkAction Action);

/// <summary>What a change does to its definition.</summary>
[GenerateSerializer]
public enum NetworkAction
{
    /// <summary>It is added.</summary>
    Add,

    /// <summary>It is changed in place (an update: a socket keeps its queued calls).</summary>
    Change,

    /// <summary>It is deleted (only with prune).</summary>
    Delete,
}
