namespace Pyfi.Grains.Sockets;

/// <summary>
/// A socket's calls not ended, from accepted (or found in SQL) until their end is known: found by id and by
/// idempotency key, the queue of those waiting for a slot (in order), and those put aside until a time (a retry's
/// backoff, a lease to lapse, a row to be readable again). Plain data, no I/O: the socket grain decides, this holds.
/// </summary>
internal sealed class HeldCalls
{
    private readonly Dictionary<Guid, HeldCall> _byId = [];
    private readonly Dictionary<string, HeldCall> _byKey = new(StringComparer.Ordinal);
    private readonly LinkedList<HeldCall> _queue = new();
    private readonly PriorityQueue<HeldCall, DateTimeOffset> _later = new();

    /// <summary>Calls held (queued, running, or put aside).</summary>
    public int Count => _byId.Count;

    /// <summary>Calls waiting in the queue for a slot.</summary>
    public int Queued => _queue.Count;

    /// <summary>The earliest time a call was put aside until, if any.</summary>
    public DateTimeOffset? NextDue => _later.TryPeek(out _, out var at) ? at : null;

    /// <summary>Whether call <paramref name="id"/> is held.</summary>
    public bool Contains(Guid id) => _byId.ContainsKey(id);

    /// <summary>Whether any held call has a change the database has not taken yet (a scan: asked only as a socket moves).</summary>
    public bool AnyPending => _byId.Values.Any(h => h.Pending is not null);

    /// <summary>The held call <paramref name="id"/>.</summary>
    public bool TryGet(Guid id, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HeldCall held) => _byId.TryGetValue(id, out held);

    /// <summary>The held call submitted with idempotency key <paramref name="key"/>.</summary>
    public bool TryGetByKey(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HeldCall held) => _byKey.TryGetValue(key, out held);

    /// <summary>
    /// Refuses a new call when <paramref name="maxQueued"/> are held already, counting <paramref name="inSql"/> more kept
    /// in SQL only (the socket's queue bound).
    /// </summary>
    public void EnsureRoom(string socket, int maxQueued, long inSql = 0)
    {
        if (_byId.Count + inSql >= maxQueued) throw new QueueFullException(socket, maxQueued);
    }

    /// <summary>
    /// Holds <paramref name="call"/> (queued last when <paramref name="queue"/>); the call already held with its id
    /// if there is one (a resume read its row before the submission's continuation ran).
    /// </summary>
    public HeldCall Hold(CallInfo call, bool queue)
    {
        if (_byId.TryGetValue(call.Id, out var known)) return known;
        var held = new HeldCall(call);
        _byId[call.Id] = held;
        if (call.Key is { } key) _byKey[key] = held;
        if (queue) _queue.AddLast(held);
        return held;
    }

    /// <summary>Queues <paramref name="held"/> last.</summary>
    public void Enqueue(HeldCall held) => _queue.AddLast(held);

    /// <summary>Queues <paramref name="held"/> first (it could not start: it keeps its turn), if it is still held.</summary>
    public void Requeue(HeldCall held)
    {
        if (_byId.ContainsKey(held.Call.Id)) _queue.AddFirst(held);
    }

    /// <summary>Takes the first queued call.</summary>
    public bool TryDequeue([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HeldCall next)
    {
        next = _queue.First?.Value;
        if (next is null) return false;
        _queue.RemoveFirst();
        return true;
    }

    /// <summary>Takes every queued call out of the queue (they are still held).</summary>
    public List<HeldCall> TakeQueued()
    {
        var queued = _queue.ToList();
        _queue.Clear();
        return queued;
    }

    /// <summary>Takes <paramref name="held"/> out of the queue (it is still held).</summary>
    public void Unqueue(HeldCall held) => _queue.Remove(held);

    /// <summary>Lets <paramref name="held"/> go: its end is known (or its row is gone).</summary>
    public void Forget(HeldCall held)
    {
        _byId.Remove(held.Call.Id);
        if (held.Call.Key is { } key && _byKey.TryGetValue(key, out var known) && ReferenceEquals(known, held)) _byKey.Remove(key);
        _queue.Remove(held);
    }

    /// <summary>Puts <paramref name="held"/> aside until <paramref name="at"/>.</summary>
    public void Later(HeldCall held, DateTimeOffset at) => _later.Enqueue(held, at);

    /// <summary>Takes the calls put aside until <paramref name="now"/> or before, earliest first, that are still held.</summary>
    public List<HeldCall> TakeDue(DateTimeOffset now)
    {
        var due = new List<HeldCall>();
        while (_later.TryPeek(out var held, out var at) && at <= now)
        {
            _later.Dequeue();
            if (_byId.ContainsKey(held.Call.Id)) due.Add(held);
        }

        return due;
    }
}
