namespace Pyfi;

/// <summary>A change to a queue; properties left <see langword="null"/> stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.QueueUpdate")]
public sealed record QueueUpdate
{
    /// <summary>New routing type.</summary>
    [Id(0)] public QueueType? Type { get; init; }

    /// <summary>New durability flag.</summary>
    [Id(1)] public bool? Durable { get; init; }

    /// <summary>The queue with this change applied.</summary>
    public QueueSpec ApplyTo(QueueSpec spec) => spec with
    {
        Type = Type ?? spec.Type,
        Durable = Durable ?? spec.Durable,
    };
}
