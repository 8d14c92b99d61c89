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
public sealed record PlugDelivery([property: Id(0)] string Plug, [property: Id(1)] string Target, [property: Id(2)] int Arg);
