namespace Pyfi;

/// <summary>
/// One run's join on one socket (internal; key <see cref="JoinOffer.GrainKey"/>): the socket has plugs into it on several argument
/// positions, and its call for the run is made once every position has a value from that run. Values of different
/// runs never meet (each run has its own join); a second value for a filled position is recorded on the join as an
/// error, not made into a second call; a join not complete within the socket's join timeout ends as a failed call
/// (<c>JoinTimeout</c>) naming the missing positions.
/// </summary>
public interface IJoinGrain : IGrainWithStringKey
{
    /// <summary>Offers one plug's value (idempotent per source call and position).</summary>
    Task OfferAsync(JoinOffer offer);
}

/// <summary>A plug's value for a join.</summary>
/// <param name="Target">The join's socket.</param>
/// <param name="Run">The run.</param>
/// <param name="Positions">Every position the socket's call needs, ascending.</param>
/// <param name="Position">The position this value fills.</param>
/// <param name="Value">The value (JSON).</param>
/// <param name="Source">The call whose end carried it.</param>
/// <param name="Plug">The plug.</param>
/// <param name="Hop">The hop the call would have (the source's, plus one).</param>
[GenerateSerializer, Immutable, Alias("pyfi.JoinOffer")]
public sealed record JoinOffer(
    [property: Id(0)] string Target,
    [property: Id(1)] Guid Run,
    [property: Id(2)] System.Collections.Immutable.ImmutableArray<int> Positions,
    [property: Id(3)] int Position,
    [property: Id(4)] string Value,
    [property: Id(5)] Guid Source,
    [property: Id(6)] string Plug,
    [property: Id(7)] int Hop)
{
    /// <summary>The key of <paramref name="socket"/>'s join for <paramref name="run"/> (its <see cref="IJoinGrain"/>).</summary>
    public static string GrainKey(string socket, Guid run) => $"{socket}|{run:N}";
}
