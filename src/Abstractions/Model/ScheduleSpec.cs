namespace Pyfi;

/// <summary>
/// A schedule: calls of a socket made at fixed times, every <see cref="Every"/> or at the times <see cref="Cron"/>
/// names in <see cref="TimeZone"/>. Each time (a slot) makes at most one call across the cluster, keyed
/// <c>sched:NAME:SLOT</c>; slots missed while no silo ran are made up as <see cref="CatchUp"/> says.
/// </summary>
[GenerateSerializer, Immutable, Alias("pyfi.ScheduleSpec")]
public sealed record ScheduleSpec
{
    /// <summary>Unique schedule name.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>The socket each firing calls.</summary>
    [Id(1)] public required string Socket { get; init; }

    /// <summary>
    /// The interval between slots (at least a second), counted from the Unix epoch, so every silo computes the same
    /// slots; or <see langword="null"/> when <see cref="Cron"/> says when.
    /// </summary>
    [Id(2)] public TimeSpan? Every { get; init; }

    /// <summary>A cron expression (5 fields, or 6 with seconds first), or <see langword="null"/> when <see cref="Every"/> says when.</summary>
    [Id(3)] public string? Cron { get; init; }

    /// <summary>Positional arguments of each call, as a JSON array (the text).</summary>
    [Id(4)] public string Args { get; init; } = "[]";

    /// <summary>Keyword arguments of each call, as a JSON object (the text), or <see langword="null"/>.</summary>
    [Id(5)] public string? Kwargs { get; init; }

    /// <summary>The IANA time zone <see cref="Cron"/> is read in (daylight saving included); <see langword="null"/>: UTC.</summary>
    [Id(6)] public string? TimeZone { get; init; }

    /// <summary>What a slot does while the previous firing's call has not ended.</summary>
    [Id(7)] public ScheduleOverlap Overlap { get; init; } = ScheduleOverlap.Skip;

    /// <summary>What happens to slots that passed while no silo could fire them.</summary>
    [Id(8)] public ScheduleCatchUp CatchUp { get; init; } = ScheduleCatchUp.One;

    /// <summary>Whether the schedule is paused: no slot fires, and none is made up when it resumes.</summary>
    [Id(9)] public bool Paused { get; init; }

    /// <summary>The shortest interval.</summary>
    public static readonly TimeSpan MinEvery = TimeSpan.FromSeconds(1);

    /// <summary>The longest interval.</summary>
    public static readonly TimeSpan MaxEvery = TimeSpan.FromDays(366);

    /// <summary>Most bytes of a schedule's arguments (it is kept with the network's definitions).</summary>
    public const int MaxDataBytes = 64 * 1024;

    /// <summary>Most missed slots made up at once with <see cref="ScheduleCatchUp.All"/>; older ones are counted as missed.</summary>
    public const int MaxCatchUp = 1000;
}
