using System.Collections.Immutable;

namespace Pyfi;

/// <summary>
/// A whole network as one value: what <c>pyfi apply -f</c> sends and <c>pyfi export</c> receives. Each list holds
/// every definition of its kind (for <c>apply</c>, every one the file declares), each one whole: a field left at its
/// default means the default, as <c>pyfi add</c> without that flag, not "leave it as it is".
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.NetworkSpec")]
public sealed record NetworkSpec
{
    /// <summary>Queues.</summary>
    [Id(0)] public ImmutableArray<QueueSpec> Queues { get; init; } = [];

    /// <summary>Processors.</summary>
    [Id(1)] public ImmutableArray<ProcessorSpec> Processors { get; init; } = [];

    /// <summary>Sockets.</summary>
    [Id(2)] public ImmutableArray<SocketSpec> Sockets { get; init; } = [];

    /// <summary>Plugs.</summary>
    [Id(3)] public ImmutableArray<PlugSpec> Plugs { get; init; } = [];

    /// <summary>Schedules.</summary>
    [Id(4)] public ImmutableArray<ScheduleSpec> Schedules { get; init; } = [];
}
