using Pyfi.Grains.Model;

namespace Pyfi.Grains.Schedules;

/// <summary>What a schedule grain persists: its definition and how far it has fired.</summary>
public sealed class ScheduleState : IDefinitionState<ScheduleSpec>
{
    /// <inheritdoc />
    public Definition<ScheduleSpec>? Definition { get; set; }

    /// <summary>The latest slot handled (fired, skipped or dropped): slots up to it never fire again.</summary>
    public DateTimeOffset? LastSlot { get; set; }

    /// <summary>The call the last firing made.</summary>
    public Guid? LastCall { get; set; }

    /// <summary>Slots that made a call.</summary>
    public long Fired { get; set; }

    /// <summary>Slots skipped because the previous call had not ended.</summary>
    public long Skipped { get; set; }

    /// <summary>Slots dropped by the catch-up rule.</summary>
    public long Missed { get; set; }

    /// <summary>Why the last attempt to fire failed, until a firing succeeds.</summary>
    public string? LastError { get; set; }
}
