namespace Pyfi;

/// <summary>
/// Marks a grain method that clients (the .NET client, through Orleans' gateway) may call, and what it needs. A
/// client's call to a method without it is refused: internal methods (a definition pushed by the registry, a
/// worker's slot, the ledger's reservations) are reached only from inside the network.
/// </summary>
/// <param name="permission">The permission the caller's role must hold.</param>
/// <param name="action">What the method does, as a refusal says it: "role viewer cannot <c>add queues</c>".</param>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ClientAccessAttribute(PyfiPermission permission, string action) : Attribute
{
    /// <summary>The permission needed.</summary>
    public PyfiPermission Permission { get; } = permission;

    /// <summary>What the method does, in the words of a refusal.</summary>
    public string Action { get; } = action;

    /// <summary>
    /// Whether the method checks the caller's role itself, per change, beyond <see cref="Permission"/> (applying a
    /// network file needs the roles of everything it changes): the caller's role and name then travel with the call
    /// (<see cref="AccessContext.CallerRole"/>), set by the silo after it checked the token.
    /// </summary>
    public bool ChecksRole { get; init; }
}
