namespace Pyfi;

/// <summary>A socket as <c>pyfi ls</c> shows it.</summary>
/// <param name="Spec">The definition.</param>
/// <param name="Stamp">Revision and timestamps.</param>
[GenerateSerializer, Immutable, Alias("pyfi.SocketInfo")]
public sealed record SocketInfo(SocketSpec Spec, ModelStamp Stamp);
