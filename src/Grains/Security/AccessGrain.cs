using Microsoft.Extensions.Logging;
using Pyfi.Storage.Tokens;

namespace Pyfi.Grains.Security;

/// <summary>
/// Makes, lists and revokes the network's tokens (see <see cref="IAccessGrain"/>). One activation in the cluster,
/// so "is this the last admin token?" and the revocation cannot race. Tokens are rows of <c>PyfiTokens</c>; silos
/// check them through <see cref="AccessControl"/>.
/// </summary>
public sealed partial class AccessGrain(TokenStore tokens, AccessControl access, TimeProvider time, ILogger<AccessGrain> logger) : Grain, IAccessGrain
{
    /// <summary>Longest expiry a token may be given.</summary>
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(3650);

    /// <inheritdoc />
    public async Task<NewToken> CreateTokenAsync(TokenRequest request)
    {
        ModelRules.Name("token", request.Name);
        if (!Enum.IsDefined(request.Role)) throw new InvalidSpecException($"token '{request.Name}': unknown role {request.Role}");
        if (request.ExpiresIn is { } expiresIn && (expiresIn <= TimeSpan.Zero || expiresIn > MaxExpiry))
        {
            throw new InvalidSpecException($"token '{request.Name}': the expiry must be between a second and {MaxExpiry.TotalDays:0} days");
        }

        var now = time.GetUtcNow();
        var by = AccessContext.CallerName;
        var (token, record) = TokenCodec.Create(request.Name, request.Role, now, now + request.ExpiresIn, by);
        if (!await tokens.InsertAsync(record)) throw new AlreadyExistsException("token", request.Name);
        LogCreated(request.Name, request.Role.Name(), record.Id, by ?? "?");
        return new NewToken(record.ToInfo(), token);
    }

    /// <inheritdoc />
    public async Task<TokenInfo[]> ListTokensAsync() => [.. (await tokens.ListAsync()).Select(t => t.ToInfo())];

    /// <inheritdoc />
    public async Task<TokenInfo> RevokeTokenAsync(string name)
    {
        var now = time.GetUtcNow();
        var all = await tokens.ListAsync();
        var token = all.FirstOrDefault(t => t.Name == name && t.Revoked is null) ?? throw new NotFoundException("token", name);
        if (token.Role == PyfiRole.Admin && token.IsActive(now) && !all.Any(t => t != token && t.Role == PyfiRole.Admin && t.IsActive(now)))
        {
            throw new NotAllowedException($"'{name}' is the last admin token; create another admin token first");
        }

        if (!await tokens.RevokeAsync(name, now)) throw new NotFoundException("token", name);
        access.Forget(token.Id);
        LogRevoked(name, token.Id, AccessContext.CallerName ?? "?");
        return token.ToInfo() with { Revoked = now };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Token '{Name}' ({Role}, id {Id}) created by '{By}'")]
    private partial void LogCreated(string name, string role, string id, string by);

    [LoggerMessage(Level = LogLevel.Information, Message = "Token '{Name}' (id {Id}) revoked by '{By}'")]
    private partial void LogRevoked(string name, string id, string by);
}
