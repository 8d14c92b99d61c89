using Microsoft.Extensions.Time.Testing;
using Pyfi.Grains.Sockets;

namespace Pyfi.Tests.Sockets;

/// <summary>Which queued call starts on which slot, prefetch, and the backoff of a slot that found no core: plain data on a fake clock.</summary>
[Trait("Category", "Fast")]
public sealed class SlotDispatcherTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    private static HeldCalls Queue(int calls)
    {
        var held = new HeldCalls();
        for (var i = 0; i < calls; i++)
        {
            held.Hold(new CallInfo { Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = DateTimeOffset.UnixEpoch, Args = $"[{i}]" }, queue: true);
        }

        return held;
    }

    private static SlotDispatcher Slots(int count)
    {
        var slots = new SlotDispatcher();
        slots.Resize(count);
        return slots;
    }

    [Fact]
    public void EachFreeSlotTakesTheNextCallInOrder()
    {
        var slots = Slots(2);
        var queue = Queue(1);

        var started = slots.Assign(queue, _time.GetUtcNow(), out var retryAt);

        var (slot, call) = Assert.Single(started);
        Assert.Equal((0, "[0]", 1), (slot.Index, call.Call.Args, slot.InFlight));
        Assert.Null(retryAt);
        Assert.Equal(0, queue.Queued);
    }

    [Fact]
    public void WithABacklogASlotWhoseWorkerHoldsACoreGetsOneCallWrittenBehind()
    {
        var slots = Slots(2);
        var queue = Queue(5);
        slots.Assign(queue, _time.GetUtcNow(), out _);
        foreach (var slot in slots.Slots) SlotDispatcher.Answered(slot, _time.GetUtcNow());

        var behind = slots.Assign(queue, _time.GetUtcNow(), out _);

        Assert.Equal([0, 1], behind.Select(s => s.Slot.Index));
        Assert.All(slots.Slots, s => Assert.Equal(SlotDispatcher.MaxInFlightPerSlot, s.InFlight));
        Assert.Empty(slots.Assign(queue, _time.GetUtcNow(), out _));
        Assert.Equal(1, queue.Queued);
    }

    [Fact]
    public void NoCallIsWrittenBehindOneStillWaitingForACoreOrWithoutABacklog()
    {
        var slots = Slots(2);
        var queue = Queue(4);
        slots.Assign(queue, _time.GetUtcNow(), out _); // neither slot placed yet
        Assert.Empty(slots.Assign(queue, _time.GetUtcNow(), out _));

        SlotDispatcher.Answered(slots.Slots[0], _time.GetUtcNow());
        var small = Queue(1); // fewer calls than slots: none is written behind
        Assert.Empty(slots.Assign(small, _time.GetUtcNow(), out _));
        Assert.Equal([0], slots.Assign(queue, _time.GetUtcNow(), out _).Select(s => s.Slot.Index));
    }

    [Fact]
    public void ASlotThatFindsNoCoreBacksOffDoublingToItsLongestAndSaysWhenToTryAgain()
    {
        var slots = Slots(1);
        var slot = slots.Slots[0];
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 7; i++)
        {
            Assert.Single(slots.Assign(Queue(1), _time.GetUtcNow(), out _));
            SlotDispatcher.NoCore(slot, _time.GetUtcNow());
            waits.Add(slot.WaitUntil - _time.GetUtcNow());
            if (i < 6) _time.Advance(slot.Backoff);
        }

        Assert.Equal([20, 40, 80, 160, 320, 500, 500], waits.Select(w => (int)w.TotalMilliseconds));
        Assert.Equal(0, slot.InFlight);
        var queue = Queue(1);
        Assert.Empty(slots.Assign(queue, _time.GetUtcNow(), out var retryAt));
        Assert.Equal(slot.WaitUntil, retryAt);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Single(slots.Assign(queue, _time.GetUtcNow(), out retryAt));
        Assert.Null(retryAt);
    }

    [Fact]
    public void AFreedCoreLetsEveryIdleSlotTryAtOnceAndAnAnswerEndsTheBackoff()
    {
        var slots = Slots(2);
        slots.Assign(Queue(2), _time.GetUtcNow(), out _);
        SlotDispatcher.NoCore(slots.Slots[0], _time.GetUtcNow());
        _time.Advance(slots.Slots[0].Backoff);
        Assert.Single(slots.Assign(Queue(1), _time.GetUtcNow(), out _));
        SlotDispatcher.NoCore(slots.Slots[0], _time.GetUtcNow());
        Assert.Equal(TimeSpan.FromMilliseconds(40), slots.Slots[0].Backoff);

        slots.CoreFreed(_time.GetUtcNow());

        Assert.Equal((TimeSpan.Zero, _time.GetUtcNow()), (slots.Slots[0].Backoff, slots.Slots[0].WaitUntil));
        Assert.Equal(1, slots.Slots[1].InFlight);
        SlotDispatcher.Answered(slots.Slots[1], _time.GetUtcNow());
        Assert.True(slots.Slots[1].Placed);
    }

    [Fact]
    public void ASlotIdleForHalfTheIdleTimeoutReservesACoreBeforeItsNextCall()
    {
        var idle = TimeSpan.FromMilliseconds(500);
        var slots = Slots(1);
        var slot = slots.Slots[0];
        slots.Assign(Queue(1), _time.GetUtcNow(), out _);
        Assert.True(SlotDispatcher.MustReserveCore(slot, _time.GetUtcNow(), idle)); // never answered
        SlotDispatcher.Answered(slot, _time.GetUtcNow());
        SlotDispatcher.Returned(slot);

        slots.Assign(Queue(1), _time.GetUtcNow(), out _);
        Assert.False(SlotDispatcher.MustReserveCore(slot, _time.GetUtcNow(), idle));
        Assert.True(slot.Placed);
        _time.Advance(TimeSpan.FromMilliseconds(251));
        Assert.True(SlotDispatcher.MustReserveCore(slot, _time.GetUtcNow(), idle));
        Assert.False(slot.Placed);
    }

    [Fact]
    public void ResizingKeepsTheSlotsThatStay()
    {
        var slots = Slots(2);
        var first = slots.Slots[0];
        slots.Resize(3);
        Assert.Same(first, slots.Slots[0]);
        slots.Resize(1);
        Assert.Same(first, Assert.Single(slots.Slots));
    }
}
