using System.Text;

namespace Pyfi.Grains.Plugs;

/// <summary>
/// What one run's join holds (persisted by its <see cref="JoinGrain"/>), and its rules: plain, so the fast tier tests
/// them. A value fills its position once; the same value again (a delivery repeated after a crash) changes nothing;
/// another for a filled position, or any after the join ended, is a conflict kept on the join.
/// </summary>
public sealed class JoinState
{
    /// <summary>The values so far, by position.</summary>
    public SortedDictionary<int, JoinValue> Values { get; set; } = [];

    /// <summary>Every position the call needs (set by the first value).</summary>
    public int[] Positions { get; set; } = [];

    /// <summary>When the join times out (set by the first value).</summary>
    public DateTimeOffset? Deadline { get; set; }

    /// <summary>How it ended: <c>made</c> (its call was made) or <c>timed out</c>; <see langword="null"/> while it waits.</summary>
    public string? Ended { get; set; }

    /// <summary>Values that came for a filled position, or after the join ended: recorded, never a second call.</summary>
    public List<string> Conflicts { get; set; } = [];

    /// <summary>Whether every position has its value.</summary>
    public bool Complete => Positions.Length > 0 && Positions.All(Values.ContainsKey);

    /// <summary>Takes <paramref name="offer"/>; false when it is a repeat or a conflict (recorded) and changes nothing else.</summary>
    public bool Offer(JoinOffer offer, DateTimeOffset now, TimeSpan timeout)
    {
        if (Values.TryGetValue(offer.Position, out var held))
        {
            if (held.Source == offer.Source) return false;
            Conflicts.Add($"position {offer.Position} already had the value of call {held.Source} (plug '{held.Plug}'); call {offer.Source} (plug '{offer.Plug}') brought another");
            return false;
        }

        if (Ended is not null)
        {
            Conflicts.Add($"call {offer.Source} (plug '{offer.Plug}') brought position {offer.Position} after the join {Ended}");
            return false;
        }

        if (Positions.Length == 0)
        {
            Positions = [.. offer.Positions];
            Deadline = now + timeout;
        }

        Values[offer.Position] = new JoinValue { Value = offer.Value, Source = offer.Source, Plug = offer.Plug, Hop = offer.Hop };
        return true;
    }

    /// <summary>The call's positional arguments: each position's value, <c>null</c> where no plug goes.</summary>
    public string Args()
    {
        var args = new StringBuilder("[");
        for (var i = 0; i <= Positions.Max(); i++)
        {
            if (i > 0) args.Append(',');
            args.Append(Values.TryGetValue(i, out var value) ? value.Value : "null");
        }

        return args.Append(']').ToString();
    }

    /// <summary>The positions still without a value.</summary>
    public int[] Missing() => [.. Positions.Where(p => !Values.ContainsKey(p))];

    /// <summary>The error of a join that timed out: which positions are missing, which came and from where.</summary>
    public CallError TimeoutError(TimeSpan timeout) => FailureKinds.JoinTimeout.Error(
        $"the join waited {timeout} for position{(Missing().Length == 1 ? "" : "s")} {string.Join(", ", Missing())} of this run; " +
        $"it had {(Values.Count == 0 ? "none" : string.Join(", ", Values.Select(v => $"{v.Key} (plug '{v.Value.Plug}', call {v.Value.Source})")))}");
}

/// <summary>One position's value in a join.</summary>
public sealed class JoinValue
{
    /// <summary>The value (JSON).</summary>
    public string Value { get; set; } = "null";

    /// <summary>The call whose end brought it.</summary>
    public Guid Source { get; set; }

    /// <summary>Its plug.</summary>
    public string Plug { get; set; } = "";

    /// <summary>The hop the joined call would have from this value.</summary>
    public int Hop { get; set; }
}
