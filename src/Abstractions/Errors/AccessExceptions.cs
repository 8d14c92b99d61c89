namespace Pyfi;

/// <summary>
/// The caller gave no token, or one the network does not accept (unknown, expired, revoked). Nothing was done.
/// The message never contains the token.
/// </summary>
[GenerateSerializer, Alias("pyfi.NotAuthenticatedException")]
public sealed class NotAuthenticatedException : PyfiException
{
    /// <summary>Creates the exception; <paramref name="reason"/> says what was wrong with the token.</summary>
    public NotAuthenticatedException(string reason) : base($"not authenticated: {reason}") { }
}

/// <summary>The caller's role does not hold what the operation needs. Nothing was done.</summary>
[GenerateSerializer, Alias("pyfi.NotAllowedException")]
public sealed class NotAllowedException : PyfiException
{
    /// <summary>Creates the exception: "not allowed: role submitter cannot add processors".</summary>
    public NotAllowedException(PyfiRole role, string action) : base($"not allowed: role {role.Name()} cannot {action}") { }

    /// <summary>Creates the exception with its own reason.</summary>
    public NotAllowedException(string reason) : base($"not allowed: {reason}") { }
}
