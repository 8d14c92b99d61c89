namespace Pyfi.Grains.Sockets;

/// <summary>
/// Which of a socket's queued calls start on which of its slots, and when a slot that found no core tries again.
/// Each free slot takes the next queued call; with a backlog, a slot whose worker holds a core also gets one call
/// written behind the one it runs (as Celery prefetches), so its worker starts the next call the moment the last
/// ends instead of after a round trip to the socket. A slot that found no core backs off, doubling from
/// <see cref="FirstBackoff"/> to <see cref="LastBackoff"/>, until a core is freed. Plain data: time is passed in.
/// </summary>
internal sealed class SlotDispatcher
{
    /// <summary>One call running and one written to its process behind it, at most, per slot.</summary>
    public const int MaxInFlightPerSlot = 2;

    /// <summary>A slot's first wait after finding no core.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(20);

    /// <summary>A slot's longest wait between tries to find a core.</summary>
    public static readonly TimeSpan LastBackoff = TimeSpan.FromMilliseconds(500);

    private SocketSlot[] _slots = [];

    /// <summary>The slots, by index.</summary>
    public IReadOnlyList<SocketSlot> Slots => _slots;

    /// <summary>Calls handed to workers and not yet answered, on every slot.</summary>
    public int InFlight
    {
        get
        {
            var inFlight = 0;
            foreach (var slot in _slots) inFlight += slot.InFlight;
            return inFlight;
        }
    }

    /// <summary>Makes <paramref name="concurrency"/> slots, keeping those that stay.</summary>
    public void Resize(int concurrency)
    {
        if (_slots.Length == concurrency) return;
        var resized = new SocketSlot[concurrency];
        for (var i = 0; i < concurrency; i++) resized[i] = i < _slots.Length ? _slots[i] : new SocketSlot(i);
        _slots = resized;
    }

    /// <summary>
    /// Takes the queued calls that start now out of <paramref name="calls"/> and says which slot runs each (the slot
    /// counts it in flight). <paramref name="retryAt"/> is when to look again because calls are left and a slot is
    /// idle only because it backs off; <see langword="null"/> otherwise.
    /// </summary>
    public List<(SocketSlot Slot, HeldCall Call)> Assign(HeldCalls calls, DateTimeOffset now, out DateTimeOffset? retryAt)
    {
        var started = new List<(SocketSlot, HeldCall)>();
        retryAt = null;
        for (var depth = 0; depth < MaxInFlightPerSlot && calls.Queued > 0; depth++)
        {
            if (depth > 0 && calls.Queued < _slots.Length) break;
            foreach (var slot in _slots)
            {
                if (calls.Queued == 0) return started;
                // A call is written behind another only on a slot whose worker is known to hold a core: one sent
                // while the first still waits for a core would go to placement on its own and be refused there.
                if (slot.InFlight != depth || slot.WaitUntil > now || (depth > 0 && !slot.Placed)) continue;
                calls.TryDequeue(out var next);
                slot.InFlight++;
                started.Add((slot, next!));
            }
        }

        if (calls.Queued > 0 && _slots.Any(s => s.InFlight == 0 && s.WaitUntil > now))
        {
            retryAt = _slots.Where(s => s.InFlight == 0).Min(s => s.WaitUntil);
        }

        return started;
    }

    /// <summary>
    /// Whether <paramref name="slot"/>, about to run its only call, must reserve a core first: idle long enough
    /// (half of <paramref name="idleTimeout"/>) that its worker may have let its core go. Until its worker answers,
    /// the slot then gets no call written behind this one.
    /// </summary>
    public static bool MustReserveCore(SocketSlot slot, DateTimeOffset now, TimeSpan idleTimeout)
    {
        if (now - slot.LastEnded <= idleTimeout / 2 || slot.InFlight != 1) return false;
        slot.Placed = false;
        return true;
    }

    /// <summary>Its worker answered a call: it holds a core, and the slot's backoff is over.</summary>
    public static void Answered(SocketSlot slot, DateTimeOffset now)
    {
        slot.Placed = true;
        slot.Backoff = TimeSpan.Zero;
        slot.LastEnded = now;
    }

    /// <summary>Its worker's answer came back (or the call to it failed): the slot has one call fewer in flight.</summary>
    public static void Returned(SocketSlot slot) => slot.InFlight--;

    /// <summary>
    /// No core was free for the slot's call: it backs off (the next try asks the ledger, which asks idle holders to
    /// yield and tells the socket when a core is let go).
    /// </summary>
    public static void NoCore(SocketSlot slot, DateTimeOffset now)
    {
        slot.InFlight--;
        slot.Placed = false;
        slot.LastEnded = DateTimeOffset.MinValue;
        slot.Backoff = slot.Backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(slot.Backoff.Ticks * 2, LastBackoff.Ticks));
        slot.WaitUntil = now + slot.Backoff;
    }

    /// <summary>Its worker could not be reached: the slot must find a core again.</summary>
    public static void Unreachable(SocketSlot slot)
    {
        slot.InFlight--;
        slot.Placed = false;
    }

    /// <summary>A core was let go somewhere: every idle slot may try at once.</summary>
    public void CoreFreed(DateTimeOffset now)
    {
        foreach (var slot in _slots)
        {
            if (slot.InFlight != 0) continue;
            slot.Backoff = TimeSpan.Zero;
            slot.WaitUntil = now;
        }
    }
}
