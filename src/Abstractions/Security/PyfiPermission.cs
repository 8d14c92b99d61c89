namespace Pyfi;

/// <summary>What one operation needs. Each gateway operation and client-callable grain method needs exactly one.</summary>
public enum PyfiPermission
{
    /// <summary>Read definitions, calls, workflows and the cluster's state (every role).</summary>
    Read,

    /// <summary>Run calls and start workflows (<see cref="PyfiRole.Submitter"/>).</summary>
    Submit,

    /// <summary>Add, change and delete queues and sockets; cancel calls and workflows (<see cref="PyfiRole.Operator"/>).</summary>
    Operate,

    /// <summary>Add, change and delete processors: which code the network runs (<see cref="PyfiRole.Developer"/>).</summary>
    Develop,

    /// <summary>Create, list and revoke tokens (<see cref="PyfiRole.Admin"/>).</summary>
    Administer,
}

/// <summary>Which permissions each role holds: the one table of it.</summary>
public static class PyfiRoles
{
    /// <summary>Whether <paramref name="role"/> holds <paramref name="permission"/>.</summary>
    public static bool Allows(this PyfiRole role, PyfiPermission permission) => role switch
    {
        PyfiRole.Admin => true,
        _ when permission == PyfiPermission.Read => true,
        PyfiRole.Submitter => permission == PyfiPermission.Submit,
        PyfiRole.Operator => permission == PyfiPermission.Operate,
        PyfiRole.Developer => permission == PyfiPermission.Develop,
        _ => false,
    };

    /// <summary>The role's name as users write it (<c>viewer</c>, <c>submitter</c>, …).</summary>
    public static string Name(this PyfiRole role) => role.ToString().ToLowerInvariant();
}
