using Orleans.Runtime;

namespace Pyfi;

/// <summary>
/// Who a grain call is made for, carried in Orleans' request context: the token a .NET client attaches to its calls
/// (<see cref="TokenKey"/>), and the name of the token a silo accepted (<see cref="CallerKey"/>), which the silo sets
/// itself, so grains can record who made a change (a client's own value is overwritten before it reaches a grain).
/// </summary>
public static class AccessContext
{
    /// <summary>The request-context key a client's token travels under.</summary>
    public const string TokenKey = "pyfi.token";

    /// <summary>The request-context key of the accepted caller's token name.</summary>
    public const string CallerKey = "pyfi.caller";

    /// <summary>The name of the token the current call was accepted for, if any.</summary>
    public static string? CallerName => RequestContext.Get(CallerKey) as string;
}
