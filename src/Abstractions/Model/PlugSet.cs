using System.Collections.Immutable;

namespace Pyfi;

/// <summary>
/// The plugs leaving one socket, as of one revision of the registry: what the registry pushes to the socket, which
/// keeps the newest it was given.
/// </summary>
/// <param name="Revision">The registry's revision when it was made.</param>
/// <param name="Plugs">The plugs whose source is the socket, by name.</param>
[GenerateSerializer, Immutable, Alias("pyfi.PlugSet")]
public sealed record PlugSet([property: Id(0)] long Revision, [property: Id(1)] ImmutableArray<PlugSpec> Plugs)
{
    /// <summary>For each target of <see cref="Plugs"/> that is a join (plugs into it on several positions): its positions, ascending.</summary>
    [Id(2)] public ImmutableDictionary<string, ImmutableArray<int>> Joins { get; init; } = ImmutableDictionary<string, ImmutableArray<int>>.Empty;

    /// <summary>No plugs.</summary>
    public static PlugSet Empty { get; } = new(0, []);
}
