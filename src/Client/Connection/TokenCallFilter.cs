using Orleans.Runtime;

namespace Pyfi.Client;

/// <summary>
/// Attaches the client's token to each of its grain calls (Orleans' request context), where the silo checks it and
/// the token's role (see <c>docs/security.md</c>). Only the one call carries it: the change ends with this filter.
/// </summary>
internal sealed class TokenCallFilter(Func<string?> token) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (token() is { } value) RequestContext.Set(AccessContext.TokenKey, value);
        await context.Invoke();
    }
}
