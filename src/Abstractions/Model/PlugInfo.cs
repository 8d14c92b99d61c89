namespace Pyfi;

/// <summary>A plug as the registry holds it.</summary>
/// <param name="Spec">The plug.</param>
/// <param name="Stamp">Its revision and timestamps.</param>
[GenerateSerializer, Immutable, Alias("pyfi.PlugInfo")]
public sealed record PlugInfo([property: Id(0)] PlugSpec Spec, [property: Id(1)] ModelStamp Stamp);
