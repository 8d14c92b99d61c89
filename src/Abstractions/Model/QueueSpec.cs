namespace Pyfi;

/// <summary>A named queue that sockets bind to. Calls wait in it, durably, until a worker takes them.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.QueueSpec")]
public sealed record QueueSpec
{
    /// <summary>Unique queue name, e.g. <c>pyfi.queue1</c>.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>How calls are routed among the queue's sockets.</summary>
    [Id(1)] public QueueType Type { get; init; } = QueueType.Direct;

    /// <summary>Whether calls survive restarts. Pyfi keeps every accepted call in SQL; kept for the original's model.</summary>
    [Id(2)] public bool Durable { get; init; } = true;
}
