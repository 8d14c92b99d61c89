using Microsoft.Extensions.Time.Testing;
using Pyfi.Client.Calls;
using Pyfi.Grains.Follow;
using Pyfi.Storage.Calls;

namespace Pyfi.Tests.Follow;

/// <summary>
/// Following's rules without processes: a follower's cursor takes each call once and never goes back; a page is cut at
/// its limits with the cursor on its last call; the doorbell keeps a ring nobody waited for; leases lapse and are bounded.
/// </summary>
[Trait("Category", "Fast")]
public sealed class FollowCursorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static CallInfo Ended(Guid? id = null) => new()
    {
        Id = id ?? Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = Now, State = CallState.Succeeded, Result = "1", Finished = Now,
    };

    private static FollowPage Page(long cursor, params (CallInfo Call, long Position)[] calls) =>
        new([.. calls.Select(c => c.Call)], [.. calls.Select(c => c.Position)], cursor);

    [Fact]
    public void ACursorTakesEachCallOnceAndMovesOnToThePagesCursor()
    {
        var (a, b, c) = (Ended(), Ended(), Ended());
        var cursor = new FollowCursor(10);

        Assert.Equal([a.Id, b.Id], cursor.Take(Page(20, (a, 11), (b, 15))).Select(t => t.Call.Id));
        Assert.Equal(20, cursor.After);
        // The same page answered again (its first answer was lost on the way), then one with a call from before the
        // cursor and a new one: only the new one is taken.
        Assert.Empty(cursor.Take(Page(20, (a, 11), (b, 15))));
        Assert.Equal([c.Id], cursor.Take(Page(30, (b, 15), (c, 25))).Select(t => t.Call.Id));
        Assert.Equal(30, cursor.After);
    }

    [Fact]
    public void ACursorNeverGoesBack()
    {
        var cursor = new FollowCursor(100);

        cursor.Take(Page(90));

        Assert.Equal(100, cursor.After);
    }

    [Fact]
    public void ACallSeenAgainAtAnotherPositionIsNotTakenTwice()
    {
        var a = Ended();
        var cursor = new FollowCursor(0);
        cursor.Take(Page(5, (a, 5)));

        Assert.Empty(cursor.Take(Page(9, (a, 9))));
    }

    [Fact]
    public void APageCutAtItsLimitEndsAtItsLastCallAndOneThatIsNotEndsAtTheReadsEnd()
    {
        var rows = Enumerable.Range(1, 3).Select(i => Row(Ended(), i * 10)).ToList();

        var cut = EndedCalls.Page(rows, limit: 3, through: 100);
        var whole = EndedCalls.Page(rows, limit: 4, through: 100);

        Assert.Equal([10L, 20L, 30L], cut.Positions);
        Assert.Equal(30, cut.Cursor);
        Assert.Equal(100, whole.Cursor);
        Assert.All(whole.Calls, c => Assert.Null(c.Args));
        Assert.True(EndedCalls.Enough(FollowPage.MaxBytes + 1));
    }

    [Fact]
    public void APageStopsAtItsBytesButAlwaysHoldsOneCall()
    {
        var rows = new[] { new EndedRow(1, Ended(), FollowPage.MaxBytes), Row(Ended(), 2) };

        var page = EndedCalls.Page(rows, limit: 10, through: 50);

        Assert.Equal([1L], page.Positions);
        Assert.Equal(1, page.Cursor);
    }

    [Fact]
    public void OnlyAWriteThatEndsACallIsAnEnd()
    {
        var ended = Ended();
        var running = ended with { State = CallState.Running };

        Assert.True(EndedCalls.IsEnd(new CallWrite(CallWriteKind.Transition, ended, CallState.Running, 1)));
        Assert.True(EndedCalls.IsEnd(new CallWrite(CallWriteKind.Insert, ended with { State = CallState.Failed }, default, 0)));
        Assert.False(EndedCalls.IsEnd(new CallWrite(CallWriteKind.Transition, running, CallState.Queued, 0)));
        // Clearing an ended call's deliveries keeps its end (and its position).
        Assert.False(EndedCalls.IsEnd(new CallWrite(CallWriteKind.Transition, ended, CallState.Succeeded, 1)));
    }

    [Fact]
    public async Task ADoorbellKeepsARingNobodyWaitedForAndTimesOutOnTheClock()
    {
        var time = new FakeTimeProvider(Now);
        var bell = new Doorbell();

        bell.Ring();
        Assert.True(await bell.WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None));

        var waiting = bell.WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await waiting);

        waiting = bell.WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        bell.Ring();
        Assert.True(await waiting);
    }

    [Fact]
    public void ALeaseLapsesAMinuteAfterItsLastRenewal()
    {
        var time = new FakeTimeProvider(Now);
        var leases = new FollowLeases(time);

        leases.Renew("socket/a");
        time.Advance(FollowLeases.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(["socket/a"], leases.Followed());
        leases.Renew("socket/a");
        time.Advance(FollowLeases.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(["socket/a"], leases.Followed());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(leases.Followed());
    }

    [Fact]
    public void LeasesAreBoundedAndALapsedOneMakesRoom()
    {
        var time = new FakeTimeProvider(Now);
        var leases = new FollowLeases(time);
        for (var i = 0; i < FollowLeases.MaxTargets; i++) Assert.True(leases.Renew($"run/{i}"));

        Assert.False(leases.Renew("socket/late"));
        Assert.True(leases.Renew("run/0"));
        time.Advance(FollowLeases.Lease);
        Assert.True(leases.Renew("socket/late"));
        Assert.Equal(["socket/late"], leases.Followed());
    }

    private static EndedRow Row(CallInfo call, long position) => new(position, call with { Args = "[1]" }, 100);
}
