namespace Pyfi;

/// <summary>
/// What a token's holder may do, after the seed's roles (hardware and compute admins, code repository owners, end
/// users). Every role may read; each other permission belongs to one role, and <see cref="Admin"/> has them all.
/// </summary>
public enum PyfiRole
{
    /// <summary>Reads only: listings, calls and their results, workflows, <c>pyfi top</c>, the dashboard.</summary>
    Viewer,

    /// <summary>Runs calls and workflows and reads their results.</summary>
    Submitter,

    /// <summary>Runs the network: queues, sockets, cancelling calls and workflows.</summary>
    Operator,

    /// <summary>Owns code: processors (their repositories, modules, commits and requirements).</summary>
    Developer,

    /// <summary>Everything, tokens included.</summary>
    Admin,
}
