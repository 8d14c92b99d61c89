using Orleans.Runtime;

namespace Pyfi.Client;

/// <summary>
/// Attaches the client's token to each of its grain calls (Orleans' request context), where the silo checks it and
/// the token's role (see <c>docs/security.md</c>). Only the one call carries it: the change ends with this filter.
/// </summary>
internal sealed class TokenCallFilter(Func<string?> token) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context) => token() is { } value ? WithTokenAsync(context, value) : context.Invoke();

    private static async Task WithTokenAsync(IOutgoingGrainCallContext context, string token)
    {
        RequestContext.Set(AccessContext.TokenKey, token);
        await context.Invoke();
    }
}
