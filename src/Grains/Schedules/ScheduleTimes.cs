using Cronos;

namespace Pyfi.Grains.Schedules;

/// <summary>
/// The times a schedule's slots fall on: multiples of its interval since the Unix epoch (so every silo, and every
/// activation, names the same slots), or the occurrences of its cron expression in its time zone (Cronos: daylight
/// saving handled as cron users expect: a skipped hour's slot fires at the jump, a repeated hour's once).
/// </summary>
internal sealed class ScheduleTimes
{
    private readonly TimeSpan? _every;
    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;

    private ScheduleTimes(TimeSpan? every, CronExpression? cron, TimeZoneInfo zone) => (_every, _cron, _zone) = (every, cron, zone);

    /// <summary>The times of <paramref name="spec"/>. Throws <see cref="InvalidSpecException"/> for a cron expression or time zone it cannot read.</summary>
    public static ScheduleTimes Of(ScheduleSpec spec)
    {
        var what = $"schedule '{spec.Name}'";
        var zone = TimeZoneInfo.Utc;
        if (spec.TimeZone is { } name)
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new InvalidSpecException($"{what}: --tz '{name}' is not a time zone this silo knows (an IANA name such as Europe/Paris)");
            }
        }

        if (spec.Cron is not { } text) return new ScheduleTimes(spec.Every, null, zone);
        try
        {
            // Five fields as cron has them; six when the first is seconds.
            var format = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
            return new ScheduleTimes(null, CronExpression.Parse(text, format), zone);
        }
        catch (CronFormatException e)
        {
            throw new InvalidSpecException($"{what}: --cron '{text}' is not a cron expression ({e.Message.TrimEnd('.')})");
        }
    }

    /// <summary>The first slot strictly after <paramref name="time"/>, or <see langword="null"/> when the expression names none.</summary>
    public DateTimeOffset? After(DateTimeOffset time)
    {
        if (_cron is not null) return _cron.GetNextOccurrence(time.ToUniversalTime(), _zone);
        var every = _every!.Value.Ticks;
        var since = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var next = (Math.DivRem(since, every, out var rest) + (rest < 0 ? 0 : 1)) * every;
        return DateTimeOffset.UnixEpoch.AddTicks(next);
    }

    /// <summary>
    /// The slots in (<paramref name="after"/>, <paramref name="until"/>]: the latest <paramref name="keep"/> of them,
    /// oldest first, and how many there are in all (counting stops at <paramref name="countLimit"/> for a cron expression).
    /// </summary>
    public (IReadOnlyList<DateTimeOffset> Latest, long Count) Between(DateTimeOffset after, DateTimeOffset until, int keep, long countLimit = 1_000_000)
    {
        if (until <= after) return ([], 0);
        if (_every is { } every)
        {
            // Arithmetic: an interval schedule down for a year at one slot a second is 31 million slots.
            var first = After(after)!.Value;
            if (first > until) return ([], 0);
            var count = (until - first).Ticks / every.Ticks + 1;
            var take = (int)Math.Min(keep, count);
            var latest = new DateTimeOffset[take];
            for (var i = 0; i < take; i++) latest[i] = first + every * (count - take + i);
            return (latest, count);
        }

        // The latest slots: look back from `until` in windows doubling from a minute until one holds `keep` slots or
        // reaches `after` (a window holds at most about twice what the one before it held, so this stays small).
        var window = TimeSpan.FromMinutes(1);
        List<DateTimeOffset> found;
        DateTimeOffset from;
        while (true)
        {
            from = until - after > window ? until - window : after;
            found = [.. Slots(from, until, long.MaxValue)];
            if (found.Count >= keep || from == after) break;
            window *= 2;
        }

        // The rest are only counted, and only so far: a cron expression has no arithmetic for its number of slots.
        var older = from == after ? 0 : Slots(after, from, countLimit).LongCount();
        return (found.Count > keep ? found[^keep..] : found, found.Count + older);
    }

    private IEnumerable<DateTimeOffset> Slots(DateTimeOffset after, DateTimeOffset until, long limit)
    {
        long seen = 0;
        for (var slot = After(after); slot is { } s && s <= until && seen < limit; slot = After(s), seen++) yield return s;
    }
}
