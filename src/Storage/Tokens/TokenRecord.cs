namespace Pyfi.Storage.Tokens;

/// <summary>A token's row in <c>PyfiTokens</c>: who it is and the salted hash of its secret, never the secret.</summary>
/// <param name="Id">The public part of the token, which finds the row.</param>
/// <param name="Name">Its name, unique among tokens not revoked.</param>
/// <param name="Role">Its role.</param>
/// <param name="Salt">Random bytes hashed with the secret.</param>
/// <param name="Hash">SHA-256 of the salt and the secret.</param>
/// <param name="Created">When it was made.</param>
/// <param name="Expires">When it stops working, if ever.</param>
/// <param name="Revoked">When it was revoked, if it was.</param>
/// <param name="CreatedBy">The name of the token that made it.</param>
public sealed record TokenRecord(
    string Id,
    string Name,
    PyfiRole Role,
    byte[] Salt,
    byte[] Hash,
    DateTimeOffset Created,
    DateTimeOffset? Expires,
    DateTimeOffset? Revoked,
    string? CreatedBy)
{
    /// <summary>Whether it works at <paramref name="now"/>: not revoked, not expired.</summary>
    public bool IsActive(DateTimeOffset now) => Revoked is null && (Expires is not { } expires || expires > now);

    /// <summary>The token as listed (no salt, no hash).</summary>
    public TokenInfo ToInfo() => new()
    {
        Name = Name,
        Role = Role,
        Id = Id,
        Created = Created,
        Expires = Expires,
        Revoked = Revoked,
        CreatedBy = CreatedBy,
    };
}
