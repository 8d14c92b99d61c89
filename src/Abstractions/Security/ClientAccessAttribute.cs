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
}
