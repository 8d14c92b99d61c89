namespace Pyfi.Client.Calls;

/// <summary>
/// A follower's place in the order ends were committed (see <see cref="FollowPage"/>): it takes each page's calls
/// it has not had yet, once each, and moves on to the page's cursor, never back. Positions make a page exact; the
/// ids of the last <see cref="Remembered"/> calls are kept as well, so a call read twice (a page answered again
/// after a lost answer, a cursor handed in by hand) is still given once.
/// </summary>
public sealed class FollowCursor(long? after = null)
{
    /// <summary>How many of the latest calls' ids are kept against repeats.</summary>
    public const int Remembered = 10_000;

    private readonly HashSet<Guid> _seen = [];
    private readonly Queue<Guid> _order = new();

    /// <summary>Where the next page starts: the last cursor taken, or the position given at the start; none before the first page.</summary>
    public long? After { get; private set; } = after;

    /// <summary>The calls of <paramref name="page"/> not had before, each with its position, in order; moves the cursor on.</summary>
    public IReadOnlyList<(CallInfo Call, long Position)> Take(FollowPage page)
    {
        var fresh = new List<(CallInfo, long)>(page.Calls.Length);
        for (var i = 0; i < page.Calls.Length; i++)
        {
            var (call, position) = (page.Calls[i], page.Positions[i]);
            if (position <= After || !_seen.Add(call.Id)) continue;
            _order.Enqueue(call.Id);
            if (_order.Count > Remembered) _seen.Remove(_order.Dequeue());
            fresh.Add((call, position));
        }

        if (After is not { } now || page.Cursor > now) After = page.Cursor;
        return fresh;
    }
}
