namespace Pyfi;

/// <summary>A change to a schedule; properties left <see langword="null"/> stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("pyfi.ScheduleUpdate")]
public sealed record ScheduleUpdate
{
    /// <summary>New socket.</summary>
    [Id(0)] public string? Socket { get; init; }

    /// <summary>New interval (the cron expression is dropped).</summary>
    [Id(1)] public TimeSpan? Every { get; init; }

    /// <summary>New cron expression (the interval is dropped).</summary>
    [Id(2)] public string? Cron { get; init; }

    /// <summary>New positional arguments (a JSON array).</summary>
    [Id(3)] public string? Args { get; init; }

    /// <summary>New keyword arguments (a JSON object).</summary>
    [Id(4)] public string? Kwargs { get; init; }

    /// <summary>New time zone; empty: UTC.</summary>
    [Id(5)] public string? TimeZone { get; init; }

    /// <summary>New overlap rule.</summary>
    [Id(6)] public ScheduleOverlap? Overlap { get; init; }

    /// <summary>New catch-up rule.</summary>
    [Id(7)] public ScheduleCatchUp? CatchUp { get; init; }

    /// <summary>Pause (<see langword="true"/>) or resume (<see langword="false"/>).</summary>
    [Id(8)] public bool? Paused { get; init; }

    /// <summary>The schedule with this change applied.</summary>
    public ScheduleSpec ApplyTo(ScheduleSpec spec) => spec with
    {
        Socket = Socket ?? spec.Socket,
        Every = Cron is not null ? null : Every ?? spec.Every,
        Cron = Every is not null ? null : Cron ?? spec.Cron,
        Args = Args ?? spec.Args,
        Kwargs = Kwargs ?? spec.Kwargs,
        TimeZone = TimeZone is null ? spec.TimeZone : TimeZone.Length == 0 ? null : TimeZone,
        Overlap = Overlap ?? spec.Overlap,
        CatchUp = CatchUp ?? spec.CatchUp,
        Paused = Paused ?? spec.Paused,
    };
}
