using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Pyfi.Grains.Plugs;

/// <summary>
/// What plugs make of an ended call: which deliveries its end carries, and the request each makes on its target.
/// Plain, so the fast tier tests it.
/// </summary>
public static class SocketPlugs
{
    /// <summary>
    /// The deliveries <paramref name="ended"/>'s end carries: one per plug of <paramref name="plugs"/> for its outcome
    /// (success or failure; a cancelled call carries none) whose hop limit the next hop keeps.
    /// </summary>
    public static System.Collections.Immutable.ImmutableArray<PlugDelivery> DeliveriesFor(PlugSet plugs, CallInfo ended)
    {
        var on = ended.State switch
        {
            CallState.Succeeded => PlugOn.Success,
            CallState.Failed => PlugOn.Failure,
            _ => (PlugOn?)null,
        };
        if (on is null || plugs.Plugs.IsEmpty) return [];
        return [.. plugs.Plugs
            .Where(p => p.On == on && (p.MaxHops is not { } max || ended.Hop + 1 <= max))
            .Select(p => new PlugDelivery(p.Name, p.Target, p.Arg) { Join = plugs.Joins.GetValueOrDefault(p.Target, []) })];
    }

    /// <summary>
    /// The call <paramref name="delivery"/> makes for <paramref name="source"/>: the source's result (or its error as a
    /// dict of type, message and traceback) at the delivery's positional argument, in the source's run, one hop on,
    /// under a key that makes it once however often it is sent.
    /// </summary>
    public static CallRequest Request(CallInfo source, PlugDelivery delivery)
    {
        var value = Value(source);
        var args = new StringBuilder("[");
        for (var i = 0; i < delivery.Arg; i++) args.Append("null,");
        args.Append(value).Append(']');
        return new CallRequest
        {
            Socket = delivery.Target,
            Args = args.ToString(),
            Parent = source.Id,
            Run = source.Run ?? source.Id,
            Hop = source.Hop + 1,
            Key = Key(source.Id, delivery.Plug),
        };
    }

    /// <summary>The value <paramref name="delivery"/> brings to its target's join for <paramref name="source"/>'s run.</summary>
    public static JoinOffer Offer(CallInfo source, PlugDelivery delivery) =>
        new(delivery.Target, source.Run ?? source.Id, delivery.Join, delivery.Arg, Value(source), source.Id, delivery.Plug, source.Hop + 1);

    // What an end carries: a success's result, a failure's error as a dict.
    private static string Value(CallInfo source) => source.State == CallState.Succeeded ? source.Result ?? "null" : ErrorValue(source.Error);

    /// <summary>The key of the call plug <paramref name="plug"/> makes for source call <paramref name="source"/> (at most 54 characters).</summary>
    public static string Key(Guid source, string plug) =>
        $"{ModelRules.PlugKeyPrefix}{source:N}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plug)).AsSpan(0, 8))}";

    private static string ErrorValue(CallError? error) => JsonSerializer.Serialize(new Dictionary<string, string?>
    {
        ["type"] = error?.Type ?? "Unknown",
        ["message"] = error?.Message ?? "",
        ["traceback"] = error?.Traceback,
    }, PlugJson.Default.DictionaryStringString);
}
