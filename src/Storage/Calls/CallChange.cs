namespace Pyfi.Storage.Calls;

/// <summary>
/// A change of a call's row, guarded: <see cref="CallStore.TransitionAsync(CallChange)"/> writes <see cref="Next"/>
/// only if the row is in state <see cref="From"/> at attempt <see cref="FromAttempt"/> (or, with
/// <see cref="OrFromQueuedBefore"/>, still queued at the attempt before), so a call changes once however many
/// parties think they own it. The rules that make changes (<c>CallTransitions</c>) choose the guard with the change.
/// </summary>
/// <param name="Next">The call as it is to be stored.</param>
/// <param name="From">The state the row must be in.</param>
/// <param name="FromAttempt">The attempt the row must be at.</param>
public readonly record struct CallChange(CallInfo Next, CallState From, int FromAttempt)
{
    /// <summary>
    /// Also written if the row is still queued at the attempt before <see cref="FromAttempt"/>: an attempt's end
    /// whose start may not have been stored (the database failed while it ran). Only the socket that started the
    /// attempt may end it, so the end is stored from there rather than thrown away and the call run again.
    /// </summary>
    public bool OrFromQueuedBefore { get; init; }

    /// <summary>The row already says what <see cref="Next"/> says (an attempt that never began, never stored running): nothing is to be written.</summary>
    public bool AlreadyStored { get; init; }
}
