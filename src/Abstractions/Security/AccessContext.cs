using Orleans.Runtime;

namespace Pyfi;

/// <summary>
/// Who a grain call is made for, carried in Orleans' request context: the token a .NET client attaches to its calls
/// (<see cref="TokenKey"/>), and the name of the token a silo accepted (<see cref="CallerKey"/>), which the silo sets
/// itself on calls that change tokens, so the access grain can record who did, and the accepted caller's role
/// (<see cref="RoleKey"/>) on calls that check it per change (a client's own values never reach a grain). Other calls carry no caller: every value in the request context is copied into each message a call makes.
/// </summary>
public static class AccessContext
{
    /// <summary>The request-context key a client's token travels under.</summary>
    public const string TokenKey = "pyfi.token";

    /// <summary>The request-context key of the accepted caller's token name.</summary>
    public const string CallerKey = "pyfi.caller";

    /// <summary>The name of the token the current call was accepted for, if any.</summary>
    public static string? CallerName => RequestContext.Get(CallerKey) as string;

    /// <summary>The request-context key of the accepted caller's role, for methods that check it per change (<see cref="ClientAccessAttribute.ChecksRole"/>).</summary>
    public const string RoleKey = "pyfi.role";

    /// <summary>The role of the token the current call was accepted for, when the silo passed it on (else <see langword="null"/>).</summary>
    public static PyfiRole? CallerRole =>
        RequestContext.Get(RoleKey) is string role && Enum.TryParse<PyfiRole>(role, ignoreCase: true, out var value) && Enum.IsDefined(value) ? value : null;

    /// <summary>Passes <paramref name="role"/> and <paramref name="name"/> on with the calls made from here (the silo, once it checked the token).</summary>
    public static void SetCaller(string name, PyfiRole role)
    {
        RequestContext.Set(CallerKey, name);
        RequestContext.Set(RoleKey, role.Name());
    }
}
