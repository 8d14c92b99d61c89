using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Pyfi.Storage.Tokens;

namespace Pyfi.Grains.Security;

/// <summary>
/// Checks tokens and roles on this silo, for every way in: the gateway port, Orleans' client gateway (through
/// <see cref="ClientAccessFilter"/>) and the web port. Token rows are cached and read again in the background once
/// older than <see cref="Freshness"/>, so a check costs a dictionary lookup and a SHA-256, and a revocation made on
/// any silo holds everywhere within a few seconds; a row older than <see cref="MaxAge"/> is read again before it is
/// trusted. Every refusal is logged (who, what, from where; never the token), at most
/// <see cref="RefusalsLoggedPerSecond"/> lines a second.
/// </summary>
public sealed partial class AccessControl(TokenStore store, TimeProvider time, ILogger<AccessControl> logger)
{
    /// <summary>How old a cached token row may be before it is read again in the background.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(2);

    /// <summary>How old a cached token row may be and still be trusted while it is read again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    /// <summary>Refusals logged one by one in a second; more are counted and logged as one line.</summary>
    public const int RefusalsLoggedPerSecond = 20;

    private readonly ConcurrentDictionary<string, Entry> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<Entry>>> _loading = new(StringComparer.Ordinal);

    // Tokens not in the cache are read from the database a few at a time: random tokens cannot flood it.
    private readonly SemaphoreSlim _lookups = new(4);
    private readonly Lock _logWindow = new();
    private long _windowStart;
    private int _windowCount;

    /// <summary>
    /// The caller of <paramref name="action"/> if <paramref name="token"/> is valid and its role holds
    /// <paramref name="permission"/>; otherwise throws <see cref="NotAuthenticatedException"/> or
    /// <see cref="NotAllowedException"/> and logs the refusal. <paramref name="origin"/> says where the request came from.
    /// </summary>
    public async ValueTask<PyfiPrincipal> AuthorizeAsync(string? token, PyfiPermission permission, string action, AccessOrigin origin, CancellationToken cancellationToken = default)
    {
        PyfiPrincipal principal;
        try
        {
            principal = await AuthenticateAsync(token, cancellationToken);
        }
        catch (NotAuthenticatedException e)
        {
            Refused(TokenCodec.TryParse(token, out var id, out _) ? $"token {id}" : "a caller without a valid token", action, origin, e.Message);
            throw;
        }

        if (principal.Role.Allows(permission)) return principal;
        var refusal = new NotAllowedException(principal.Role, action);
        Refused($"token '{principal.Name}'", action, origin, refusal.Message);
        throw refusal;
    }

    /// <summary>
    /// Refuses <paramref name="action"/>, which no role may do from <paramref name="origin"/>: throws
    /// <see cref="NotAuthenticatedException"/> for a caller without a valid token, else <see cref="NotAllowedException"/>
    /// with <paramref name="reason"/>; logs the refusal either way.
    /// </summary>
    public async Task DenyAsync(string? token, string action, string reason, AccessOrigin origin, CancellationToken cancellationToken = default)
    {
        var principal = await AuthorizeAsync(token, PyfiPermission.Read, action, origin, cancellationToken);
        var refusal = new NotAllowedException(reason);
        Refused($"token '{principal.Name}'", action, origin, refusal.Message);
        throw refusal;
    }

    /// <summary>Who <paramref name="token"/> is; throws <see cref="NotAuthenticatedException"/> when it is missing, unknown, expired or revoked.</summary>
    public ValueTask<PyfiPrincipal> AuthenticateAsync(string? token, CancellationToken cancellationToken = default) =>
        Known(token) is { } known ? ValueTask.FromResult(known) : CheckAsync(token, cancellationToken);

    // A token this silo checked against a row read less than Freshness ago, still valid: found by its id without
    // copying the id or secret out of it (every call of a client comes here). Anything else is checked in full.
    private PyfiPrincipal? Known(string? token)
    {
        if (!TokenCodec.TryFindId(token, out var id)) return null;
        if (!_tokens.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token.AsSpan(id), out var entry)) return null;
        if (entry.Record is not { } record || entry.Principal is not { } principal || !Verified(entry, token!)) return null;
        if (time.GetElapsedTime(entry.Read) > Freshness || record.Revoked is not null || record.Expires is { } expires && expires <= time.GetUtcNow()) return null;
        return principal;
    }

    private async ValueTask<PyfiPrincipal> CheckAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token)) throw new NotAuthenticatedException("no token given (use --token, PYFI_TOKEN or PYFI_TOKEN_FILE)");
        if (!TokenCodec.TryParse(token, out var id, out var secret)) throw new NotAuthenticatedException("the token is malformed");

        var now = time.GetTimestamp();
        if (!_tokens.TryGetValue(id, out var entry) || time.GetElapsedTime(entry.Read, now) > MaxAge)
        {
            entry = await LoadAsync(id, cancellationToken);
        }
        else if (time.GetElapsedTime(entry.Read, now) > Freshness)
        {
            _ = LoadAsync(id, CancellationToken.None);
        }

        if (entry.Record is not { } record || !Verified(entry, token) && !TokenCodec.Matches(record, secret))
        {
            throw new NotAuthenticatedException("the token is not valid for this network");
        }

        // The hash once per token and row: after it, the same token is recognised by comparing it (constant time).
        if (entry.Verified is null) _tokens.TryUpdate(id, entry with { Verified = token }, entry);
        if (record.Revoked is { } revoked) throw new NotAuthenticatedException($"token '{record.Name}' was revoked at {revoked.ToUniversalTime():u}");
        if (record.Expires is { } expires && expires <= time.GetUtcNow()) throw new NotAuthenticatedException($"token '{record.Name}' expired at {expires.ToUniversalTime():u}");
        return entry.Principal ?? new PyfiPrincipal(record.Name, record.Role);
    }

    /// <summary>Drops the cached row of token <paramref name="id"/> (this silo revoked it: no need to wait).</summary>
    public void Forget(string id) => _tokens.TryRemove(id, out _);

    // One read per token id at a time; the result replaces the cached row (a token not found is not cached).
    private Task<Entry> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var load = _loading.GetOrAdd(id, key => new Lazy<Task<Entry>>(() => ReadAsync(key)));
        return load.Value.WaitAsync(cancellationToken);
    }

    private async Task<Entry> ReadAsync(string id)
    {
        try
        {
            await _lookups.WaitAsync();
            try
            {
                var entry = new Entry(await store.FindAsync(id), time.GetTimestamp());
                if (entry.Record is null) _tokens.TryRemove(id, out _);
                else _tokens[id] = entry;
                return entry;
            }
            finally
            {
                _lookups.Release();
            }
        }
        finally
        {
            _loading.TryRemove(id, out _);
        }
    }

    private void Refused(string who, string action, AccessOrigin origin, string reason)
    {
        int suppressed;
        lock (_logWindow)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                suppressed = Math.Max(0, _windowCount - RefusalsLoggedPerSecond);
                _windowStart = now;
                _windowCount = 0;
            }
            else
            {
                suppressed = 0;
            }

            _windowCount++;
            if (_windowCount > RefusalsLoggedPerSecond) return;
        }

        if (suppressed > 0) LogSuppressed(suppressed);
        LogRefused(who, action, origin.ToString(), reason);
    }

    private static bool Verified(Entry entry, string token) =>
        entry.Verified is { } known && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(known.AsSpan()), MemoryMarshal.AsBytes(token.AsSpan()));

    // A token's row as read at Read (a timestamp), and the token text already checked against it.
    private sealed record Entry(TokenRecord? Record, long Read, string? Verified = null)
    {
        // Who the row's token is, made once per row read.
        public PyfiPrincipal? Principal { get; } = Record is null ? null : new PyfiPrincipal(Record.Name, Record.Role);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused to {Action} for {Who} from {Origin}: {Reason}")]
    private partial void LogRefused(string who, string action, string origin, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Count} more requests in the last second (not logged one by one)")]
    private partial void LogSuppressed(int count);
}

/// <summary>
/// Where a request came from, as a refusal's log line says it (e.g. "gateway client 10.0.0.5:40312", "Orleans client
/// sys.client/…"): formatted only when a refusal is logged, so an allowed call pays nothing for it.
/// </summary>
/// <param name="Kind">The way in.</param>
/// <param name="Who">Its address or client id, if any.</param>
public readonly record struct AccessOrigin(string Kind, object? Who = null)
{
    /// <summary>An origin said in full.</summary>
    public static implicit operator AccessOrigin(string text) => new(text);

    /// <inheritdoc />
    public override string ToString() => Who is null ? Kind : $"{Kind} {Who}";
}
