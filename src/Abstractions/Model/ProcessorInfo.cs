using System.Collections.Immutable;

namespace Pyfi;

/// <summary>A processor as <c>pyfi ls</c> shows it.</summary>
/// <param name="Spec">The definition, with the requested status.</param>
/// <param name="Stamp">Revision and timestamps.</param>
/// <param name="Status">The actual status, as last reported by the processor.</param>
/// <param name="Sockets">Names of the sockets that use the processor, sorted.</param>
/// <param name="Commit">The commit deployed, as last reported by the processor.</param>
/// <param name="Error">Why the last deployment failed, if it did.</param>
[GenerateSerializer, Immutable, Alias("pyfi.ProcessorInfo")]
public sealed record ProcessorInfo(
    ProcessorSpec Spec, ModelStamp Stamp, ProcessorStatus Status, ImmutableArray<string> Sockets, string? Commit = null, string? Error = null);
