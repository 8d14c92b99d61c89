using Microsoft.Extensions.Time.Testing;
using Pyfi.Grains.Sockets;
using Pyfi.Storage.Calls;

namespace Pyfi.Tests.Sockets;

/// <summary>
/// A socket's queue paged from SQL (<see cref="QueuePager"/>) against a list standing for the calls table: the window's
/// bound, refills in queue order, submissions while a page is read, calls cancelled outside the window, and calls
/// taken back (retries) going last as they do with the whole queue in memory. Plain data, no silo.
/// </summary>
[Trait("Category", "Fast")]
public sealed class QueuePagerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheWindowHoldsAtMostItsSizeAndLaterCallsAreKeptInSqlOnly()
    {
        var q = new Queue();
        q.Submit(QueuePager.Window + 6);

        Assert.Equal(QueuePager.Window, q.Held.Queued);
        Assert.Equal(QueuePager.Window, q.Held.Count);
        Assert.Equal(6, q.Pager.InSql);
        Assert.True(q.Pager.Paging);
        Assert.False(q.Pager.NeedsRefill);
    }

    [Fact]
    public async Task DrainingABacklogRefillsThePagesInOrderEachCallOnceWithinTheWindow()
    {
        var q = new Queue();
        var submitted = q.Submit(5000);

        var ran = await q.DrainAsync();

        Assert.Equal(submitted, ran);
        Assert.True(q.MostHeld <= QueuePager.Window, $"held {q.MostHeld}");
        Assert.Equal(4, q.Reads);                      // 3,976 calls in SQL: pages of 1,024
        Assert.Equal(0, q.Pager.InSql);
        Assert.False(q.Pager.Paging);
    }

    [Fact]
    public async Task AtActivationOnlyTheFirstPageIsReadAndTheRestFollowsInIdOrderForEqualTimes()
    {
        var q = new Queue();
        // A backlog left by an earlier activation, many accepted in the same microsecond: the id orders them.
        var stored = Enumerable.Range(0, 3000).Select(i => Stored(Now.AddTicks(i / 100 * 10))).ToList();
        q.Sql.AddRange(stored);

        q.Pager.Start(stored.Count, stored.Max(QueueKey.Of));
        await q.RefillAsync();

        Assert.Equal(1, q.Reads);
        Assert.Equal(QueuePager.Window, q.Held.Queued);
        Assert.Equal(3000 - QueuePager.Window, q.Pager.InSql);
        Assert.Equal(stored.OrderBy(QueueKey.Of).Select(c => c.Id).ToList(), await q.DrainAsync());
    }

    [Fact]
    public async Task ANewCallAfterARestartGoesAfterTheBacklogEvenWithTheClockBehindIt()
    {
        var q = new Queue();
        var stored = Enumerable.Range(0, 1500).Select(i => Stored(Now.AddMinutes(5).AddTicks(i * 10))).ToList();
        q.Sql.AddRange(stored);
        q.Pager.Start(stored.Count, stored.Max(QueueKey.Of));
        await q.RefillAsync();

        var late = q.Submit(1).Single();

        var ran = await q.DrainAsync();
        Assert.Equal(late, ran[^1]);
        Assert.Equal(1501, ran.Distinct().Count());
    }

    [Fact]
    public async Task CallsSubmittedWhileAPageIsReadAreNeitherLostNorRunTwice()
    {
        var q = new Queue();
        var first = q.Submit(QueuePager.Window + 10);
        q.Take(QueuePager.Window - QueuePager.LowWater + 1);
        Assert.True(q.Pager.NeedsRefill);

        // The read's snapshot is taken before these are stored: it returns fewer than asked for, but calls joined
        // the range meanwhile, so it is read again.
        q.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var refill = q.RefillAsync();
        var during = q.Submit(5);
        Assert.False(q.Pager.NeedsRefill);
        q.Gate.SetResult();
        await refill;

        await q.DrainAsync();
        Assert.Equal(first.Concat(during).ToList(), q.Ran);
    }

    [Fact]
    public async Task ACallStoredBeforeAPageReadButAdmittedAfterItIsHeldOnce()
    {
        var q = new Queue();
        q.Submit(QueuePager.Window + 3);
        q.Take(QueuePager.Window);
        // Stored, but its submission's continuation has not run yet: the page finds it first.
        var slow = q.NewCall(q.Time.GetUtcNow());
        q.Sql.Add(slow);
        await q.RefillAsync();

        var held = q.Pager.Admit(slow);

        Assert.NotNull(held);
        Assert.Equal(4, q.Held.Queued);
        var ran = await q.DrainAsync();
        Assert.Single(ran, id => id == slow.Id);
        Assert.Equal(slow.Id, ran[^1]);
    }

    [Fact]
    public async Task ACallWhoseInsertEndsAfterLaterOnesWerePagedPastIsHeldNotLost()
    {
        var q = new Queue();
        q.Submit(QueuePager.Window);
        var slow = q.NewCall(q.Time.GetUtcNow());      // its place comes first...
        var later = q.Submit(2000);                    // ...but these are stored and admitted before it
        q.Take(QueuePager.Window);
        await q.RefillAsync();                         // the page reads past its place
        q.Sql.Add(slow);

        Assert.NotNull(q.Pager.Admit(slow));           // held at once, behind what the window holds

        var ran = await q.DrainAsync();
        Assert.Equal(later.Take(QueuePager.Window).Append(slow.Id).Concat(later.Skip(QueuePager.Window)).ToList(), ran);
    }

    [Fact]
    public async Task ACallCancelledOutsideTheWindowIsUncountedAndNeverPagedIn()
    {
        var q = new Queue();
        var submitted = q.Submit(QueuePager.Window + 10);
        var cancelled = q.Sql.Single(c => c.Id == submitted[^3]);
        Assert.False(q.Held.Contains(cancelled.Id));
        Assert.True(q.Pager.IsInSql(QueueKey.Of(cancelled)));
        Assert.False(q.Pager.IsInSql(QueueKey.Of(q.Sql[0])));

        q.Sql.Remove(cancelled);                       // its row is cancelled: no longer queued
        q.Pager.LeftSql();

        Assert.Equal(9, q.Pager.InSql);
        var ran = await q.DrainAsync();
        Assert.Equal(submitted.Where(id => id != cancelled.Id).ToList(), ran);
    }

    [Fact]
    public async Task ARetriedCallGoesLastBehindTheBacklogInSqlAndBeforeCallsSubmittedAfterIt()
    {
        var q = new Queue();
        var submitted = q.Submit(QueuePager.Window + 500);
        var retried = q.Retry(q.Take(1).Single());     // its attempt failed: queued again (its row says queued)
        q.Pager.TakeBack(retried);
        var after = q.Submit(3);

        await q.DrainAsync();

        Assert.Equal(submitted.Append(retried.Call.Id).Concat(after).ToList(), q.Ran);
    }

    [Fact]
    public async Task WithNothingInSqlARetriedCallIsQueuedLastInTheWindow()
    {
        var q = new Queue();
        var submitted = q.Submit(10);
        var retried = q.Retry(q.Take(1).Single());

        q.Pager.TakeBack(retried);

        Assert.False(q.Pager.Paging);
        await q.DrainAsync();
        Assert.Equal(submitted.Append(retried.Call.Id).ToList(), q.Ran);
    }

    [Fact]
    public async Task ACallHeldOnlyForItsWaitersIsQueuedInItsPlaceWhenAPageReachesIt()
    {
        var q = new Queue();
        var submitted = q.Submit(QueuePager.Window + 10);
        var waited = q.Held.Hold(q.Sql.Single(c => c.Id == submitted[^5]), queue: false);
        waited.Waiting = true;

        var ran = await q.DrainAsync();

        Assert.False(waited.Waiting);
        Assert.Equal(submitted, ran);
    }

    [Fact]
    public async Task AFailedReadIsReadAgainByTheNextRefill()
    {
        var q = new Queue();
        var submitted = q.Submit(QueuePager.Window + 10);
        q.Take(QueuePager.Window);
        q.Fail = true;
        await Assert.ThrowsAsync<InvalidOperationException>(q.RefillAsync);
        Assert.True(q.Pager.NeedsRefill);
        q.Fail = false;

        await q.DrainAsync();

        Assert.Equal(submitted, q.Ran);
    }

    [Fact]
    public void NewCallsGetStrictlyLaterMicrosecondTimesWhateverTheClockSays()
    {
        var q = new Queue();
        q.Time.SetUtcNow(Now.AddTicks(7));
        var a = q.Pager.NextCreated(q.Time.GetUtcNow());
        var b = q.Pager.NextCreated(q.Time.GetUtcNow());
        var c = q.Pager.NextCreated(Now.AddSeconds(-1)); // the wall clock stepped back (a fake clock cannot)

        Assert.Equal(Now, a);
        Assert.Equal(Now.AddTicks(10), b);
        Assert.Equal(Now.AddTicks(20), c);
    }

    // A row stored by an earlier activation.
    private static CallInfo Stored(DateTimeOffset at) => new() { Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = at };

    // A socket's queue: the window and pager, and a list standing for the queued rows of the calls table.
    private sealed class Queue
    {
        public Queue() => Pager = new QueuePager(Held);

        public HeldCalls Held { get; } = new();

        public QueuePager Pager { get; }

        public FakeTimeProvider Time { get; } = new(Now);

        // Rows stored queued (a call started leaves it: its row says running).
        public List<CallInfo> Sql { get; } = [];

        public List<Guid> Ran { get; } = [];

        // When set, a read takes its snapshot and then waits for it.
        public TaskCompletionSource? Gate { get; set; }

        public bool Fail { get; set; }

        public int Reads { get; private set; }

        public int MostHeld { get; private set; }

        public CallInfo NewCall(DateTimeOffset at) => new()
        {
            Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = Pager.NextCreated(at),
        };

        // Accepts n calls as the socket does: each stored, then admitted.
        public List<Guid> Submit(int n)
        {
            var ids = new List<Guid>();
            for (var i = 0; i < n; i++)
            {
                var call = NewCall(Time.GetUtcNow());
                Sql.Add(call);
                Pager.Admit(call);
                ids.Add(call.Id);
                MostHeld = Math.Max(MostHeld, Held.Count);
            }

            return ids;
        }

        // Starts n calls from the window (their rows say running), ends them and lets them go.
        public List<HeldCall> Take(int n)
        {
            var taken = new List<HeldCall>();
            for (var i = 0; i < n && Held.TryDequeue(out var next); i++)
            {
                Sql.RemoveAll(c => c.Id == next.Call.Id);
                Held.Forget(next);
                Ran.Add(next.Call.Id);
                taken.Add(next);
            }

            return taken;
        }

        // A call taken from the window whose attempt did not succeed: held again, its row queued again.
        public HeldCall Retry(HeldCall ran)
        {
            Sql.Add(ran.Call);
            return Held.Hold(ran.Call, queue: false);
        }

        public Task RefillAsync() => Pager.RefillAsync(ReadAsync, held => Held.Enqueue(held));

        // Runs everything queued, refilling as the socket does; the ids in the order they ran.
        public async Task<List<Guid>> DrainAsync()
        {
            var ran = new List<Guid>();
            while (true)
            {
                var before = Ran.Count;
                Take(int.MaxValue);
                ran.AddRange(Ran.Skip(before));
                if (!Pager.NeedsRefill) break;
                await RefillAsync();
                MostHeld = Math.Max(MostHeld, Held.Count);
            }

            return ran;
        }

        private async Task<IReadOnlyList<CallInfo>> ReadAsync(QueueKey? after, int limit)
        {
            Reads++;
            if (Fail) throw new InvalidOperationException("the database is away");
            var page = Sql.Where(c => after is not { } from || QueueKey.Of(c) > from).OrderBy(QueueKey.Of).Take(limit).ToList();
            if (Gate is { } gate) await gate.Task;
            return page;
        }
    }
}
