namespace Pyfi.Storage.Calls;

/// <summary>
/// A queued call's place in its socket's queue: the order calls were accepted, (<see cref="CallInfo.Created"/>, id),
/// compared as both stores compare them (the time, then the id's text, which is its bytes in big-endian order: SQLite
/// keeps it as lowercase text, PostgreSQL as a uuid).
/// </summary>
/// <param name="Created">When the call was accepted.</param>
/// <param name="Id">The call's id: orders calls accepted at the same time.</param>
public readonly record struct QueueKey(DateTimeOffset Created, Guid Id) : IComparable<QueueKey>
{
    /// <summary>The place of <paramref name="call"/>.</summary>
    public static QueueKey Of(CallInfo call) => new(call.Created, call.Id);

    /// <inheritdoc />
    public int CompareTo(QueueKey other)
    {
        var byTime = Created.UtcTicks.CompareTo(other.Created.UtcTicks);
        if (byTime != 0) return byTime;
        Span<byte> mine = stackalloc byte[16];
        Span<byte> theirs = stackalloc byte[16];
        Id.TryWriteBytes(mine, bigEndian: true, out _);
        other.Id.TryWriteBytes(theirs, bigEndian: true, out _);
        return mine.SequenceCompareTo(theirs);
    }

    /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/>.</summary>
    public static bool operator <(QueueKey a, QueueKey b) => a.CompareTo(b) < 0;

    /// <summary>Whether <paramref name="a"/> comes after <paramref name="b"/>.</summary>
    public static bool operator >(QueueKey a, QueueKey b) => a.CompareTo(b) > 0;

    /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/> or is it.</summary>
    public static bool operator <=(QueueKey a, QueueKey b) => a.CompareTo(b) <= 0;

    /// <summary>Whether <paramref name="a"/> comes after <paramref name="b"/> or is it.</summary>
    public static bool operator >=(QueueKey a, QueueKey b) => a.CompareTo(b) >= 0;
}
