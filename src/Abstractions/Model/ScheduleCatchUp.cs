namespace Pyfi;

/// <summary>What a schedule does with the slots that passed while no silo could fire them (the network was down).</summary>
public enum ScheduleCatchUp
{
    /// <summary>Missed slots are dropped: the next firing is the next slot to come.</summary>
    None,

    /// <summary>The latest missed slot fires once, at once; the others are dropped.</summary>
    One,

    /// <summary>Every missed slot fires, oldest first (at most <see cref="ScheduleSpec.MaxCatchUp"/>).</summary>
    All,
}
