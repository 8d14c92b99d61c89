using System.Collections.Immutable;

namespace Pyfi;

/// <summary>A queue as <c>pyfi ls</c> shows it.</summary>
/// <param name="Spec">The definition.</param>
/// <param name="Stamp">Revision and timestamps.</param>
/// <param name="Sockets">Names of the sockets bound to the queue, sorted.</param>
[GenerateSerializer, Immutable, Alias("pyfi.QueueInfo")]
public sealed record QueueInfo(QueueSpec Spec, ModelStamp Stamp, ImmutableArray<string> Sockets);
