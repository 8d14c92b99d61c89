namespace Pyfi;

/// <summary>
/// A call a plug is to make once its source call's end is stored: stored with that end, in the same write, and
/// cleared once the target call is made; so a crash between the two makes it again (under the same key), never
/// loses it and never makes two.
/// </summary>
/// <param name="Plug">The plug.</param>
/// <param name="Target">The target socket.</param>
/// <param name="Arg">The positional argument the value goes to.</param>
[GenerateSerializer, Immutable, Alias("pyfi.PlugDelivery")]
public sealed record PlugDelivery([property: Id(0)] string Plug, [property: Id(1)] string Target, [property: Id(2)] int Arg)
{
    /// <summary>
    /// When the target is a join (plugs into it on several positions): every position its call needs, ascending; the
    /// value waits at the run's join until each has one. Empty: the value makes a call at once.
    /// </summary>
    [Id(3)] public System.Collections.Immutable.ImmutableArray<int> Join { get; init; } = [];

    /// <inheritdoc />
    public bool Equals(PlugDelivery? other) =>
        other is not null && Plug == other.Plug && Target == other.Target && Arg == other.Arg && Join.SequenceEqual(other.Join);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Plug, Target, Arg, Join.Length);
}
