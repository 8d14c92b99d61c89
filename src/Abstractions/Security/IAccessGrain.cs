namespace Pyfi;

/// <summary>The network's tokens: made, listed and revoked here; checked by every silo (see <c>docs/security.md</c>).</summary>
public interface IAccessGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Makes a token and returns it (only now: Pyfi keeps a salted hash). Throws <see cref="AlreadyExistsException"/>
    /// for a name in use and <see cref="InvalidSpecException"/> for a malformed name or expiry.
    /// </summary>
    [ClientAccess(PyfiPermission.Administer, "manage tokens")]
    Task<NewToken> CreateTokenAsync(TokenRequest request);

    /// <summary>Every token, revoked ones included, oldest first.</summary>
    [ClientAccess(PyfiPermission.Administer, "manage tokens")]
    Task<TokenInfo[]> ListTokensAsync();

    /// <summary>
    /// Revokes token <paramref name="name"/>: within seconds no silo accepts it. Throws <see cref="NotFoundException"/>
    /// when no such token works, and <see cref="NotAllowedException"/> for the last admin token.
    /// </summary>
    [ClientAccess(PyfiPermission.Administer, "manage tokens")]
    Task<TokenInfo> RevokeTokenAsync(string name);
}
