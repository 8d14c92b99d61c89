using Npgsql;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Follow;

/// <summary>
/// Following on PostgreSQL, where several silos commit at once: two call stores on one database end calls together
/// while a follower pages after its cursor, and gets each end once; a transaction left open elsewhere holds positions
/// back (a later end is not given past it) until it ends, and nothing is skipped meanwhile.
/// </summary>
public sealed class PostgresFollowTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private PostgresDatabase _db = null!;
    private CallStore _a = null!;
    private CallStore _b = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        await SchemaInstaller.ApplyAsync(_db.Database);
        _a = CallStore.Create(_db.Database, "test");
        _b = CallStore.Create(_db.Database, "test");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static async Task<Guid> EndAsync(CallStore store)
    {
        var id = Guid.NewGuid();
        var queued = new CallInfo { Id = id, Socket = "s", Processor = "p", Function = "f", Created = Now, Run = id };
        Assert.True(await store.InsertAsync(queued));
        Assert.True(await store.TransitionAsync(queued with { State = CallState.Succeeded, Attempts = 1, Result = "1", Finished = Now }, CallState.Queued, 0));
        return id;
    }

    [Fact]
    public async Task EndsOfTwoStoresCommittingAtOnceAreEachFollowedOnce()
    {
        var cursor = (await _a.ReadEndedAsync(FollowTarget.OfSocket("s"), null, 100)).Cursor;
        var ended = new List<Guid>();
        var seen = new List<Guid>();
        for (var round = 0; round < 10; round++)
        {
            // Both stores end a burst at once while the follower reads.
            var burst = Task.WhenAll(Enumerable.Range(0, 40).Select(i => EndAsync(i % 2 == 0 ? _a : _b)));
            var page = await _b.ReadEndedAsync(FollowTarget.OfSocket("s"), cursor, 30);
            seen.AddRange(page.Calls.Select(c => c.Id));
            cursor = page.Cursor;
            ended.AddRange(await burst);
        }

        // Transaction ids are the whole server's: another test's transaction running on it holds positions back too,
        // so the rest is read until every end has come (or the wait runs out), not for a fixed number of pages.
        await Poll.UntilAsync(async () =>
        {
            var page = await _a.ReadEndedAsync(FollowTarget.OfSocket("s"), cursor, 30);
            seen.AddRange(page.Calls.Select(c => c.Id));
            cursor = page.Cursor;
            return seen.Count >= ended.Count;
        }, TimeSpan.FromMinutes(1), "every end to be followed");

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(ended.Order(), seen.Order());
    }

    [Fact]
    public async Task ATransactionLeftOpenHoldsLaterEndsBackUntilItEnds()
    {
        var cursor = (await _a.ReadEndedAsync(FollowTarget.OfSocket("s"), null, 100)).Cursor;
        var before = await EndAsync(_a);
        (var seen, cursor) = await FollowUntilSomeAsync(cursor, "the end before the open transaction to be followed");
        Assert.Equal([before], seen);

        await using var other = new NpgsqlConnection(_db.ConnectionString);
        await other.OpenAsync();
        await using var open = await other.BeginTransactionAsync();
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", other, open)) await xid.ExecuteScalarAsync();
        var after = await EndAsync(_b);

        // Committed, but behind a transaction that began first and is still open: not given yet, and the cursor
        // does not move past it.
        var held = await _a.ReadEndedAsync(FollowTarget.OfSocket("s"), cursor, 100);
        Assert.Empty(held.Calls);
        await open.CommitAsync();

        var (rest, _) = await FollowUntilSomeAsync(held.Cursor, "the end after the open transaction to be followed once it ended");
        Assert.Equal([after], rest);
    }

    // Reads on from `cursor` until some ends come (another test's transaction on the same server may hold them back
    // a while): those ends, and the cursor after them.
    private async Task<(List<Guid> Ends, long Cursor)> FollowUntilSomeAsync(long cursor, string what)
    {
        var ends = new List<Guid>();
        await Poll.UntilAsync(async () =>
        {
            var page = await _a.ReadEndedAsync(FollowTarget.OfSocket("s"), cursor, 100);
            ends.AddRange(page.Calls.Select(c => c.Id));
            cursor = page.Cursor;
            return ends.Count > 0;
        }, TimeSpan.FromMinutes(1), what);
        return (ends, cursor);
    }
}
