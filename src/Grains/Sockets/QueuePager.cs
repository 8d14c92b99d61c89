using Pyfi.Storage.Calls;

namespace Pyfi.Grains.Sockets;

/// <summary>
/// A socket's queue when it is longer than memory should hold: a window of at most about <see cref="Window"/> queued
/// calls in memory (in <see cref="HeldCalls"/>), and behind it, in order, what is kept only in SQL (every call is
/// stored before it is acknowledged, so nothing is lost by not holding it) and the calls taken back meanwhile (a
/// retry, a backoff over), which go last as they always have. When the window runs low the next page is read from SQL
/// in queue order (<see cref="QueueKey"/>) after the last call taken from there. Plain data and one read delegate: the
/// socket grain decides, this holds and orders.
/// </summary>
/// <remarks>
/// What is behind the window is a list of segments: ranges of calls in SQL, (after, up to], and calls taken back.
/// A new call goes to SQL only while anything is behind the window (or the window is full); then it belongs to the
/// last range, open at its top. A call taken back while a range is open closes it at the highest call placed so far,
/// so calls accepted after it come after it, as in a queue held whole in memory. Nothing runs twice: a page skips
/// calls already held, and a range's reading position only moves forward; nothing is lost: a call accepted at or
/// below a place already passed (its insert finished late) is held in the window, and a range read while a call
/// was added to it is read again before it is taken as done.
/// </remarks>
internal sealed class QueuePager(HeldCalls held)
{
    /// <summary>Most queued calls the window holds (a page fills it up to this).</summary>
    public const int Window = 1024;

    /// <summary>The window is refilled when fewer than this many calls are queued in it.</summary>
    public const int LowWater = Window / 4;

    private static readonly TimeSpan Microsecond = TimeSpan.FromTicks(TimeSpan.TicksPerMicrosecond);

    private readonly LinkedList<Segment> _beyond = new();

    // The highest place given to a call in the queue, in the window or in SQL; a new call's time is after it.
    private QueueKey? _highest;
    private DateTimeOffset _lastCreated = DateTimeOffset.MinValue;
    private long _inSql;
    private bool _reading;

    /// <summary>Queued calls kept in SQL only, behind the window (as counted here: a cancelled one may be counted until a page passes it).</summary>
    public long InSql => _inSql;

    /// <summary>Whether anything is behind the window (calls in SQL only, or taken back behind them).</summary>
    public bool Paging => _beyond.Count > 0;

    /// <summary>Whether the window should be refilled now.</summary>
    public bool NeedsRefill => !_reading && _beyond.Count > 0 && held.Queued < LowWater;

    /// <summary>
    /// The time to accept a new call at: <paramref name="now"/> to the microsecond (what PostgreSQL keeps, so both
    /// stores and this order it alike), made later than every call placed before so a new call goes last.
    /// </summary>
    public DateTimeOffset NextCreated(DateTimeOffset now)
    {
        var at = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
        var floor = _highest is { } highest && highest.Created > _lastCreated ? highest.Created : _lastCreated;
        if (at <= floor) at = floor + Microsecond;
        _lastCreated = at;
        return at;
    }

    /// <summary>
    /// At activation: <paramref name="queued"/> calls are queued in SQL, the last of them at <paramref name="last"/>;
    /// they are read a page at a time from the first.
    /// </summary>
    public void Start(long queued, QueueKey? last)
    {
        _beyond.Clear();
        _inSql = 0;
        if (last is not { } top) return;
        _beyond.AddLast(new SqlRange { After = null, UpTo = top });
        _inSql = Math.Max(queued, 1);
        Raise(top);
    }

    /// <summary>
    /// A new call, stored: held queued in the window (returned), or left to SQL (<see langword="null"/>) when the window
    /// is full or anything waits behind it. A call a page already took is returned as held.
    /// </summary>
    public HeldCall? Admit(CallInfo call)
    {
        if (held.TryGet(call.Id, out var known))
        {
            if (known.Waiting) return null;
            return known;
        }

        var key = QueueKey.Of(call);
        if ((_beyond.Count == 0 && held.Queued < Window) || (_highest is { } highest && key <= highest))
        {
            // Room in the window, or its place was passed already (its insert finished after later ones): held.
            Raise(key);
            return held.Hold(call, queue: true);
        }

        if (_beyond.Last?.Value is not SqlRange { UpTo: null } open)
        {
            open = new SqlRange { After = _highest };
            _beyond.AddLast(open);
        }

        open.Arrivals++;
        _inSql++;
        Raise(key);
        return null;
    }

    /// <summary>A queued call coming back (a retry, a backoff or a recheck over): last in the queue, as always.</summary>
    public void TakeBack(HeldCall call)
    {
        if (_beyond.Count == 0)
        {
            held.Enqueue(call);
            return;
        }

        // Calls accepted from now on come after this one: the open range ends here.
        if (_beyond.Last?.Value is SqlRange { UpTo: null } open) open.UpTo = _highest;
        _beyond.AddLast(new TakenBack(call));
    }

    /// <summary>Whether the queued call at <paramref name="key"/> is one kept in SQL only (not yet paged in).</summary>
    public bool IsInSql(QueueKey key)
    {
        foreach (var segment in _beyond)
        {
            if (segment is SqlRange range && (range.After is not { } after || key > after) && (range.UpTo is not { } upTo || key <= upTo)) return true;
        }

        return false;
    }

    /// <summary>
    /// Up to where the window has read (the first range's reading position): a queued row at or before it and not held
    /// is a stray to take up; after it, rows are either in SQL only or held. Null when nothing has been read past.
    /// </summary>
    public QueueKey? ReadThrough => _beyond.Count == 0 ? _highest : _beyond.FirstOrDefault(s => s is SqlRange) is SqlRange range ? range.After : _highest;

    /// <summary>A call kept in SQL only was cancelled (or otherwise ended) there.</summary>
    public void LeftSql() => _inSql = Math.Max(0, _inSql - 1);

    /// <summary>
    /// Refills the window while it is low: calls taken back come in as they are reached, and ranges are read a page at
    /// a time with <paramref name="read"/> (after a place, at most so many, in queue order); each call read that is not
    /// held is held (not queued) and handed to <paramref name="place"/> (which queues it, or puts it aside until its
    /// backoff ends), in order. One refill at a time; a failed read throws, and the next refill reads it again.
    /// </summary>
    public async Task RefillAsync(Func<QueueKey?, int, Task<IReadOnlyList<CallInfo>>> read, Action<HeldCall> place)
    {
        if (_reading) return;
        _reading = true;
        try
        {
            while (held.Queued < LowWater && _beyond.First is { } first)
            {
                if (first.Value is TakenBack back)
                {
                    _beyond.RemoveFirst();
                    if (held.Contains(back.Call.Call.Id)) held.Enqueue(back.Call);
                    continue;
                }

                var range = (SqlRange)first.Value;
                var arrivals = range.Arrivals;
                var limit = Window - held.Queued;
                var rows = await read(range.After, limit);
                // Fewer than asked for: the range has nothing more, unless a call joined it while the page was read
                // (its row may have committed after the read began); then it is read again.
                var done = rows.Count < limit && range.Arrivals == arrivals;
                foreach (var row in rows)
                {
                    var key = QueueKey.Of(row);
                    if (range.UpTo is { } upTo && key > upTo)
                    {
                        done = true;
                        break;
                    }

                    range.After = key;
                    Raise(key);
                    if (held.TryGet(row.Id, out var known))
                    {
                        // Held already: taken up by its submission's own continuation, or held only for its waiters.
                        if (!known.Waiting) continue;
                        known.Waiting = false;
                        known.Call = row;
                        LeftSql();
                        place(known);
                        continue;
                    }

                    LeftSql();
                    place(held.Hold(row, queue: false));
                }

                if (done)
                {
                    _beyond.RemoveFirst();
                    if (!_beyond.Any(s => s is SqlRange)) _inSql = 0;
                }
            }
        }
        finally
        {
            _reading = false;
        }
    }

    private void Raise(QueueKey key)
    {
        if (_highest is not { } highest || key > highest) _highest = key;
    }

    private abstract class Segment;

    // Queued calls in SQL only: those after After (from the first, when null) up to UpTo (open at the top when null).
    private sealed class SqlRange : Segment
    {
        public QueueKey? After { get; set; }

        public QueueKey? UpTo { get; set; }

        // Calls added while open: a read that saw fewer than it asked for is final only if none came meanwhile.
        public int Arrivals { get; set; }
    }

    private sealed class TakenBack(HeldCall call) : Segment
    {
        public HeldCall Call { get; } = call;
    }
}
