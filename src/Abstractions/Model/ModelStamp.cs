namespace Pyfi;

/// <summary>Bookkeeping the registry keeps for every definition.</summary>
/// <param name="Revision">Registry-wide, strictly increasing number of the change that produced this definition.</param>
/// <param name="Created">When the definition was first added.</param>
/// <param name="Updated">When it was last changed.</param>
[GenerateSerializer, Immutable, Alias("pyfi.ModelStamp")]
public sealed record ModelStamp(long Revision, DateTimeOffset Created, DateTimeOffset Updated);
