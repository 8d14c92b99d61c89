namespace Pyfi;

/// <summary>What a schedule's slot does while the call of its previous firing has not ended.</summary>
public enum ScheduleOverlap
{
    /// <summary>The slot is skipped (counted as skipped): a schedule never has two calls at once.</summary>
    Skip,

    /// <summary>The slot's call is made anyway and waits in the socket's queue behind the previous one.</summary>
    Queue,
}
