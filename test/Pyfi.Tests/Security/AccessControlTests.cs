using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Pyfi.Grains.Security;
using Pyfi.Storage;
using Pyfi.Storage.Tokens;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>
/// Token checks on one silo, against a real SQLite token table and a fake clock: who is accepted, how soon a
/// revocation or an expiry holds, and what a refusal logs (never the token).
/// </summary>
[Trait("Category", "Fast")]
public sealed class AccessControlTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-access");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _log = new();
    private TokenStore _store = null!;
    private AccessControl _access = null!;

    public async Task InitializeAsync()
    {
        var database = PyfiDatabase.From(new PyfiStorageOptions(), _data.Path);
        await SchemaInstaller.ApplyAsync(database);
        _store = new TokenStore(database, "test");
        _access = new AccessControl(_store, _time, _log);
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AValidTokenIsItsNameAndRoleAndItsRoleDecides()
    {
        var token = await MakeAsync("ci", PyfiRole.Submitter);

        var caller = await _access.AuthorizeAsync(token, PyfiPermission.Submit, "run calls", "test");
        var refusal = await Assert.ThrowsAsync<NotAllowedException>(() => _access.AuthorizeAsync(token, PyfiPermission.Develop, "add processors", "test").AsTask());

        Assert.Equal(new PyfiPrincipal("ci", PyfiRole.Submitter), caller);
        Assert.Equal("not allowed: role submitter cannot add processors", refusal.Message);
    }

    [Theory]
    [InlineData(null, "not authenticated: no token given")]
    [InlineData("nonsense", "not authenticated: the token is malformed")]
    [InlineData("pyfi.0123456789ab.c2VjcmV0", "not authenticated: the token is not valid for this network")]
    public async Task AMissingMalformedOrUnknownTokenIsNotAuthenticated(string? token, string message)
    {
        var refusal = await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthorizeAsync(token, PyfiPermission.Read, "list queues", "gateway client 10.0.0.9:5000").AsTask());

        Assert.StartsWith(message, refusal.Message);
        Assert.Contains(_log.Lines, l => l.Contains("Refused to list queues") && l.Contains("gateway client 10.0.0.9:5000"));
    }

    [Fact]
    public async Task ATokenWithTheRightIdButAnotherSecretIsRefusedAndTheSecretIsNeverLogged()
    {
        var token = await MakeAsync("ci", PyfiRole.Admin);
        var forged = token[..^4] + "AAAA";

        await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthenticateAsync(forged).AsTask());
        await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthorizeAsync(forged, PyfiPermission.Read, "list queues", "test").AsTask());

        Assert.NotEmpty(_log.Lines);
        Assert.DoesNotContain(_log.Lines, l => l.Contains(token.Split('.')[2]) || l.Contains(forged.Split('.')[2]));
    }

    [Fact]
    public async Task AKnownTokenIsCheckedWithoutAWaitAndAnotherWithItsIdButAnotherSecretIsStillRefused()
    {
        var token = await MakeAsync("ci", PyfiRole.Admin);
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var caller = await _access.AuthenticateAsync(token);

        var again = _access.AuthenticateAsync(token);
        Assert.True(again.IsCompletedSuccessfully, "a token checked against a fresh row is answered at once");
        Assert.Same(caller, await again);
        var refusal = await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthenticateAsync(forged).AsTask());

        Assert.Equal("not authenticated: the token is not valid for this network", refusal.Message);
        Assert.Equal(caller, await _access.AuthenticateAsync(token));
    }

    [Fact]
    public async Task ARevocationMadeElsewhereHoldsHereOnceTheCachedRowIsOlderThanItsFreshness()
    {
        var token = await MakeAsync("ci", PyfiRole.Viewer);
        await _access.AuthenticateAsync(token);

        await _store.RevokeAsync("ci", _time.GetUtcNow());
        // Read within its freshness: the cached row still says the token works.
        await _access.AuthenticateAsync(token);
        _time.Advance(AccessControl.MaxAge + TimeSpan.FromMilliseconds(1));
        var refusal = await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthenticateAsync(token).AsTask());

        Assert.Contains("token 'ci' was revoked", refusal.Message);
    }

    [Fact]
    public async Task ARowPastItsFreshnessIsReadAgainInTheBackgroundAndTheNextCheckSeesTheRevocation()
    {
        var token = await MakeAsync("ci", PyfiRole.Viewer);
        await _access.AuthenticateAsync(token);
        await _store.RevokeAsync("ci", _time.GetUtcNow());

        _time.Advance(AccessControl.Freshness + TimeSpan.FromMilliseconds(1));
        await _access.AuthenticateAsync(token);
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await _access.AuthenticateAsync(token);
                return false;
            }
            catch (NotAuthenticatedException)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(10), "the background read to see the revocation");
    }

    [Fact]
    public async Task ATokenStopsWorkingWhenItExpires()
    {
        var token = await MakeAsync("short", PyfiRole.Viewer, TimeSpan.FromMinutes(30));
        await _access.AuthenticateAsync(token);

        _time.Advance(TimeSpan.FromMinutes(30));
        var refusal = await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthenticateAsync(token).AsTask());

        Assert.Contains("token 'short' expired at 2026-12-01 12:30:00Z", refusal.Message);
    }

    [Fact]
    public async Task RefusalsPastTheirRateAreCountedNotLoggedOneByOne()
    {
        for (var i = 0; i < AccessControl.RefusalsLoggedPerSecond + 30; i++)
        {
            await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthorizeAsync(null, PyfiPermission.Read, "list queues", "test").AsTask());
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<NotAuthenticatedException>(() => _access.AuthorizeAsync(null, PyfiPermission.Read, "list queues", "test").AsTask());

        Assert.Equal(AccessControl.RefusalsLoggedPerSecond + 2, _log.Lines.Count);
        Assert.Contains(_log.Lines, l => l.Contains("Refused 30 more requests"));
    }

    private async Task<string> MakeAsync(string name, PyfiRole role, TimeSpan? expiresIn = null)
    {
        var now = _time.GetUtcNow();
        var (token, record) = TokenCodec.Create(name, role, now, now + expiresIn, "test");
        Assert.True(await _store.InsertAsync(record));
        return token;
    }

    private sealed class RecordingLogger : ILogger<AccessControl>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }
}
