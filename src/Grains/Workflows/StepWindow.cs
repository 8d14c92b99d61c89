namespace Pyfi.Grains.Workflows;

/// <summary>
/// Which of a workflow's ready steps are submitted now. At most <see cref="MaxInFlight"/> of its steps are
/// submitted and not ended at a time, and on one socket at most what that socket's queue takes (its
/// <c>MaxQueued</c>): a workflow alone never makes its socket refuse with queue full. Other work may fill the
/// queue all the same; a refusal halves what the workflow keeps in flight on that socket (the refused step
/// itself waits and tries again), and each of its steps there that ends lets one more in, back up to the
/// bound. Steps wait per socket, taken in turn, so a socket that is full does not hold back the others.
/// Not thread-safe: the workflow grain drives it on its own scheduler.
/// </summary>
/// <param name="maxInFlight">Steps that may be in flight at once, on all sockets.</param>
public sealed class StepWindow(int maxInFlight)
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly List<Lane> _turns = [];
    private int _turn;

    /// <summary>Steps this workflow may have submitted and not ended at once, on all its sockets.</summary>
    public int MaxInFlight { get; } = maxInFlight > 0 ? maxInFlight : throw new ArgumentOutOfRangeException(nameof(maxInFlight));

    /// <summary>Steps taken (being submitted, or submitted) and not ended.</summary>
    public int InFlight { get; private set; }

    /// <summary>Steps waiting for room.</summary>
    public int Waiting { get; private set; }

    /// <summary>How many steps may be in flight on <paramref name="socket"/> now.</summary>
    public int LimitOf(string socket) => LaneOf(socket).Limit;

    /// <summary>Steps in flight on <paramref name="socket"/>.</summary>
    public int InFlightOn(string socket) => LaneOf(socket).InFlight;

    /// <summary><paramref name="socket"/>'s queue takes at most <paramref name="maxQueued"/> calls not ended.</summary>
    public void Bound(string socket, int maxQueued)
    {
        var lane = LaneOf(socket);
        lane.Bound = Math.Clamp(maxQueued, 1, MaxInFlight);
        lane.Limit = Math.Min(lane.Limit, lane.Bound);
    }

    /// <summary>Step <paramref name="step"/>, a call of <paramref name="socket"/>, is ready: it waits its turn.</summary>
    public void Add(int step, string socket)
    {
        LaneOf(socket).Waiting.Enqueue(step);
        Waiting++;
    }

    /// <summary>The next step to submit, if one has room: it counts as in flight until <see cref="Ended"/>.</summary>
    public bool TryTake(out int step)
    {
        if (Waiting > 0 && InFlight < MaxInFlight)
        {
            for (var tried = 0; tried < _turns.Count; tried++)
            {
                var lane = _turns[_turn];
                _turn = (_turn + 1) % _turns.Count;
                if (lane.InFlight >= lane.Limit || !lane.Waiting.TryDequeue(out step)) continue;
                lane.InFlight++;
                InFlight++;
                Waiting--;
                return true;
            }
        }

        step = -1;
        return false;
    }

    /// <summary>A step on <paramref name="socket"/> ended (or was given up): one more may go there, up to its bound.</summary>
    public void Ended(string socket)
    {
        var lane = LaneOf(socket);
        lane.InFlight--;
        InFlight--;
        if (lane.Limit < lane.Bound) lane.Limit++;
    }

    /// <summary><paramref name="socket"/> refused a step with queue full: fewer go there until its steps end.</summary>
    public void Refused(string socket)
    {
        var lane = LaneOf(socket);
        lane.Limit = Math.Max(1, Math.Min(lane.Limit, lane.InFlight) / 2);
    }

    private Lane LaneOf(string socket)
    {
        if (_lanes.TryGetValue(socket, out var lane)) return lane;
        lane = new Lane { Bound = MaxInFlight, Limit = MaxInFlight };
        _lanes[socket] = lane;
        _turns.Add(lane);
        return lane;
    }

    private sealed class Lane
    {
        public Queue<int> Waiting { get; } = new();

        public int InFlight { get; set; }

        public int Limit { get; set; }

        public int Bound { get; set; }
    }
}
