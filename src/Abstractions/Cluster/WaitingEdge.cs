namespace Pyfi;

/// <summary>
/// A plug edge whose calls wait (<c>pyfi top</c>): the ended calls of a source socket whose deliveries to
/// <see cref="Target"/> the target refused for now (its queue full, the database away), stored and tried again.
/// </summary>
/// <param name="Target">The target socket.</param>
/// <param name="Calls">Source calls waiting to deliver to it.</param>
/// <param name="Reason">Why, as the target said it last.</param>
[GenerateSerializer, Immutable, Alias("pyfi.WaitingEdge")]
public sealed record WaitingEdge([property: Id(0)] string Target, [property: Id(1)] int Calls, [property: Id(2)] string Reason);
