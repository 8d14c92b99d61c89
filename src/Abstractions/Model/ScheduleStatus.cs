namespace Pyfi;

/// <summary>Where a schedule is: what it last fired and what comes next.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.ScheduleStatus")]
public sealed record ScheduleStatus
{
    /// <summary>The slot that fired last, if any.</summary>
    [Id(0)] public DateTimeOffset? LastSlot { get; init; }

    /// <summary>The call the last firing made, if any.</summary>
    [Id(1)] public Guid? LastCall { get; init; }

    /// <summary>The next slot to fire (<see langword="null"/> while paused, or when the expression names no later time).</summary>
    [Id(2)] public DateTimeOffset? NextSlot { get; init; }

    /// <summary>Slots that made a call.</summary>
    [Id(3)] public long Fired { get; init; }

    /// <summary>Slots skipped because the previous call had not ended (<see cref="ScheduleOverlap.Skip"/>).</summary>
    [Id(4)] public long Skipped { get; init; }

    /// <summary>Slots that passed while no silo could fire them and that the catch-up rule dropped.</summary>
    [Id(5)] public long Missed { get; init; }

    /// <summary>Why the last attempt to fire failed (it is tried again), or <see langword="null"/>.</summary>
    [Id(6)] public string? LastError { get; init; }
}
