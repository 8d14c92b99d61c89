using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Pyfi.Storage;
using Pyfi.Storage.Calls;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Follow;

/// <summary>
/// Following on the call store, on a temp SQLite file without processes: ends get positions in the order they were
/// committed, pages after a cursor give each end once (a socket's and a run's), a cleared delivery does not end a call
/// twice, a reader far behind reads a window at a time, and the observer hears of each batch's ends only while set.
/// </summary>
[Trait("Category", "Fast")]
public sealed class CallStoreFollowTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _data = new("pyfi-follow");
    private readonly FakeTimeProvider _time = new(Now);
    private PyfiDatabase _database = null!;
    private CallStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = PyfiDatabase.From(new PyfiStorageOptions(), _data.Path);
        await SchemaInstaller.ApplyAsync(_database);
        _store = CallStore.Create(_database, "test", time: _time);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private static CallInfo Queued(string socket = "s", Guid? run = null)
    {
        var id = Guid.NewGuid();
        return new() { Id = id, Socket = socket, Processor = "p", Function = "f", Created = Now, Run = run ?? id };
    }

    private static CallInfo Succeeded(CallInfo call) =>
        call with { State = CallState.Succeeded, Attempts = 1, Result = "1", Finished = Now, Args = "[1]", Output = "printed" };

    private async Task<CallInfo> EndAsync(CallInfo queued)
    {
        Assert.True(await _store.InsertAsync(queued));
        var ended = Succeeded(queued);
        Assert.True(await _store.TransitionAsync(ended, CallState.Queued, 0));
        return ended;
    }

    [Fact]
    public async Task AFollowerStartingNowGetsEveryLaterEndOnceInTheOrderTheyWereCommitted()
    {
        await EndAsync(Queued());
        var now = await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), null, 100);
        Assert.Empty(now.Calls);

        var first = await EndAsync(Queued());
        await EndAsync(Queued("other"));
        // A burst: these share one group commit.
        var burst = Enumerable.Range(0, 20).Select(_ => Queued()).ToList();
        await Task.WhenAll(burst.Select(EndAsync));

        var page = await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), now.Cursor, 100);

        Assert.Equal(21, page.Calls.Length);
        Assert.Equal(first.Id, page.Calls[0].Id);
        Assert.Equal(burst.Select(c => c.Id).Order(), page.Calls.Skip(1).Select(c => c.Id).Order());
        Assert.Equal(page.Positions.Order(), page.Positions);
        Assert.Equal(page.Positions.Length, page.Positions.Distinct().Count());
        Assert.All(page.Calls, c => Assert.Equal("s", c.Socket));
        Assert.All(page.Calls, c => Assert.Null(c.Args));
        Assert.All(page.Calls, c => Assert.Null(c.Output));
        Assert.All(page.Calls, c => Assert.Equal("1", c.Result));
        Assert.Empty((await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), page.Cursor, 100)).Calls);
    }

    [Fact]
    public async Task PagesAfterEachOthersCursorsGiveEveryEndExactlyOnce()
    {
        var start = (await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), null, 10)).Cursor;
        var ended = new List<Guid>();
        for (var i = 0; i < 25; i++) ended.Add((await EndAsync(Queued())).Id);

        var seen = new List<Guid>();
        long? cursor = start;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), cursor, 10);
            seen.AddRange(page.Calls.Select(c => c.Id));
            cursor = page.Cursor;
        }

        Assert.Equal(ended, seen);
    }

    [Fact]
    public async Task ARunIsFollowedAcrossSocketsAndNothingElse()
    {
        var first = Queued("a");
        var run = first.Id;
        var start = (await _store.ReadEndedAsync(FollowTarget.OfRun(run), null, 10)).Cursor;
        await EndAsync(first);
        await EndAsync(Queued("a"));
        var next = await EndAsync(Queued("b", run) with { Hop = 1 });
        var failed = Queued("c", run) with { State = CallState.Failed, Error = new CallError("JoinTimeout", "missing 1"), Finished = Now };
        Assert.True(await _store.InsertAsync(failed));

        var page = await _store.ReadEndedAsync(FollowTarget.OfRun(run), start, 10);

        Assert.Equal([first.Id, next.Id, failed.Id], page.Calls.Select(c => c.Id));
        Assert.Equal(["a", "b", "c"], page.Calls.Select(c => c.Socket));
    }

    [Fact]
    public async Task ClearingAnEndedCallsDeliveriesDoesNotEndItAgain()
    {
        var start = (await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), null, 10)).Cursor;
        var queued = Queued();
        Assert.True(await _store.InsertAsync(queued));
        var ended = Succeeded(queued) with { Deliveries = [new PlugDelivery("p", "t", 0)] };
        Assert.True(await _store.TransitionAsync(ended, CallState.Queued, 0));
        var page = await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), start, 10);
        Assert.Single(page.Calls);

        Assert.True(await _store.TransitionAsync(new CallChange(ended with { Deliveries = [] }, CallState.Succeeded, 1)));

        Assert.Empty((await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), page.Cursor, 10)).Calls);
        Assert.Equal(page.Positions, (await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), start, 10)).Positions);
    }

    [Fact]
    public async Task PositionsGoOnAfterTheStoreIsOpenedAgain()
    {
        var start = (await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), null, 10)).Cursor;
        var before = await EndAsync(Queued());
        await _store.DisposeAsync();
        _store = CallStore.Create(_database, "test", time: _time);
        var after = await EndAsync(Queued());

        var page = await _store.ReadEndedAsync(FollowTarget.OfSocket("s"), start, 10);

        Assert.Equal([before.Id, after.Id], page.Calls.Select(c => c.Id));
    }

    [Fact]
    public async Task TheObserverHearsOfEachBatchsEndsOnlyWhileItIsSet()
    {
        var heard = new List<Guid>();
        await EndAsync(Queued());
        _store.ObserveEnds(ended =>
        {
            lock (heard) heard.AddRange(ended.Select(c => c.Id));
        });
        var queued = Queued();
        Assert.True(await _store.InsertAsync(queued));
        Assert.Empty(heard);
        var ended = await EndAsync(Queued());
        _store.ObserveEnds(null);
        await EndAsync(Queued());

        Assert.Equal([ended.Id], heard);
    }
}
