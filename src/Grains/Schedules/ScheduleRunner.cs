namespace Pyfi.Grains.Schedules;

/// <summary>What a schedule fires at: the socket's calls, as the grain makes them.</summary>
internal interface IScheduleTarget
{
    /// <summary>Makes the call of <paramref name="slot"/> (idempotently: the same slot always names the same call) and returns its id.</summary>
    Task<Guid> FireAsync(DateTimeOffset slot);

    /// <summary>Whether call <paramref name="call"/> is still queued or running.</summary>
    Task<bool> IsRunningAsync(Guid call);
}

/// <summary>
/// The rules of a schedule's firing, apart from the grain's timers so they run on a <see cref="FakeTimeProvider"/>-free
/// clock in tests: which slots are due at a moment, which of those the catch-up rule makes up or drops, what overlap
/// skips, and how far the schedule has got. The grain persists <see cref="ScheduleState"/> after each run.
/// </summary>
internal static class ScheduleRunner
{
    /// <summary>
    /// Slots this close before an activation began are not "missed while down": a schedule moved between silos, or
    /// woken a moment late, fires them as usual.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Fires what is due at <paramref name="now"/> and records it in <paramref name="state"/>. Slots at or before
    /// <paramref name="downUntil"/> (when this activation began, less <see cref="Grace"/>) passed while nothing could fire
    /// them, and the catch-up rule decides about them; later ones fire. Stops at the first slot that could not fire
    /// (its error kept in <see cref="ScheduleState.LastError"/>), so the next run tries it again. Returns whether
    /// every due slot was handled.
    /// </summary>
    public static async Task<bool> RunAsync(ScheduleState state, ScheduleTimes times, DateTimeOffset downUntil, DateTimeOffset now, IScheduleTarget target)
    {
        if (state.Definition is not { Spec.Paused: false } definition) return true;
        var spec = definition.Spec;
        // Slots before the definition's last change never fire: a new schedule starts now, a resumed one does not
        // make up its pause.
        var after = Max(state.LastSlot, definition.Stamp.Updated);

        var fire = new List<DateTimeOffset>();
        long dropped = 0;
        DateTimeOffset? droppedUpTo = null;
        if (downUntil > after)
        {
            var keep = spec.CatchUp == ScheduleCatchUp.All ? ScheduleSpec.MaxCatchUp : 1;
            var (latest, count) = times.Between(after, downUntil, keep);
            var made = spec.CatchUp == ScheduleCatchUp.None ? [] : latest;
            fire.AddRange(made);
            dropped += count - made.Count;
            if (count > made.Count) droppedUpTo = made.Count > 0 ? made[0] - TimeSpan.FromTicks(1) : latest[^1];
        }

        var (due, dueCount) = times.Between(Max(after, downUntil), now, ScheduleSpec.MaxCatchUp);
        if (dueCount > due.Count)
        {
            // A run far behind (a silo stalled for longer than a thousand slots): the oldest are dropped, those made
            // up above with them.
            dropped += dueCount - due.Count + fire.Count;
            fire.Clear();
            droppedUpTo = due[0] - TimeSpan.FromTicks(1);
        }

        fire.AddRange(due);
        state.Missed += dropped;
        if (droppedUpTo is { } upTo && (state.LastSlot is null || state.LastSlot < upTo)) state.LastSlot = upTo;

        foreach (var slot in fire)
        {
            try
            {
                if (spec.Overlap == ScheduleOverlap.Skip && state.LastCall is { } previous && await target.IsRunningAsync(previous))
                {
                    state.Skipped++;
                }
                else
                {
                    state.LastCall = await target.FireAsync(slot);
                    state.Fired++;
                }

                state.LastSlot = slot;
                state.LastError = null;
            }
            catch (PyfiException e)
            {
                state.LastError = e.Message;
                return false;
            }
        }

        return true;
    }

    /// <summary>The slot the schedule fires next after <paramref name="now"/>, or <see langword="null"/> (paused, or no more).</summary>
    public static DateTimeOffset? Next(ScheduleState state, ScheduleTimes times, DateTimeOffset now) =>
        state.Definition is not { Spec.Paused: false } definition ? null : times.After(Max(Max(state.LastSlot, definition.Stamp.Updated), now));

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
