namespace Pyfi.Storage.Calls;

/// <summary>One stored end read for a follower: its position in the order ends were committed, and the call.</summary>
/// <param name="Position">The row's <c>EndPos</c>.</param>
/// <param name="Call">The call as stored.</param>
/// <param name="Bytes">How large its stored JSON is.</param>
public sealed record EndedRow(long Position, CallInfo Call, int Bytes);

/// <summary>The rules of following ended calls that do not need a database: which writes are ends, and how a page is cut.</summary>
public static class EndedCalls
{
    /// <summary>
    /// Whether <paramref name="write"/> stores a call's end, and so gets a position: a call stored ended, or moved from a
    /// state not final to a final one (clearing an ended call's deliveries is not an end: it keeps its position).
    /// </summary>
    public static bool IsEnd(CallWrite write) => write.Call.State.IsFinal() && write.Kind switch
    {
        CallWriteKind.Insert => true,
        CallWriteKind.Transition => !write.From.IsFinal(),
        _ => false,
    };

    /// <summary>
    /// Whether a reader has read enough rows for one page, having read <paramref name="bytes"/> of stored calls: past
    /// <see cref="FollowPage.MaxBytes"/> (the row that passed it is read, so <see cref="Page"/> sees where to cut), so a
    /// page never holds a thousand large results in memory.
    /// </summary>
    public static bool Enough(long bytes) => bytes > FollowPage.MaxBytes;

    /// <summary>
    /// A page of <paramref name="rows"/> (read in order, up to <paramref name="limit"/>, positions up to
    /// <paramref name="through"/>): at most <paramref name="limit"/> calls and about <see cref="FollowPage.MaxBytes"/>
    /// (always at least one), without their arguments and output. Its cursor is the last call's position when rows
    /// were left out (the next page starts after it), else <paramref name="through"/>: every end up to there was read.
    /// </summary>
    public static FollowPage Page(IReadOnlyList<EndedRow> rows, int limit, long through)
    {
        var calls = new List<CallInfo>(Math.Min(rows.Count, limit));
        var positions = new List<long>(calls.Capacity);
        long bytes = 0;
        var cut = false;
        foreach (var row in rows)
        {
            if (calls.Count == limit || (calls.Count > 0 && bytes + row.Bytes > FollowPage.MaxBytes))
            {
                cut = true;
                break;
            }

            bytes += row.Bytes;
            calls.Add(row.Call with { Args = null!, Kwargs = null, Output = null });
            positions.Add(row.Position);
        }

        // A read that filled its limit may have left rows out too.
        if (rows.Count >= limit) cut = true;
        return new FollowPage([.. calls], [.. positions], cut && positions.Count > 0 ? positions[^1] : through);
    }
}
