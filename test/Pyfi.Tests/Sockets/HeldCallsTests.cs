using Pyfi.Grains.Sockets;

namespace Pyfi.Tests.Sockets;

/// <summary>A socket's held calls (admission, keys, the queue, calls put aside): plain data, no silo.</summary>
[Trait("Category", "Fast")]
public sealed class HeldCallsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static CallInfo Call(string? key = null) => new()
    {
        Id = Guid.NewGuid(), Socket = "s", Processor = "p", Function = "f", Created = Now, Key = key,
    };

    [Fact]
    public void AcceptedCallsQueueInOrderAndAreFoundByIdAndKey()
    {
        var held = new HeldCalls();
        var first = held.Hold(Call("k1"), queue: true);
        var second = held.Hold(Call(), queue: true);
        var adopted = held.Hold(Call("k3"), queue: false);

        Assert.Equal((3, 2), (held.Count, held.Queued));
        Assert.True(held.TryGetByKey("k1", out var byKey) && ReferenceEquals(byKey, first));
        Assert.True(held.TryGet(adopted.Call.Id, out var byId) && ReferenceEquals(byId, adopted));
        Assert.True(held.TryDequeue(out var next) && ReferenceEquals(next, first));
        Assert.True(held.TryDequeue(out next) && ReferenceEquals(next, second));
        Assert.False(held.TryDequeue(out _));
    }

    [Fact]
    public void HoldingACallHeldAlreadyGivesTheOneHeldAndQueuesNothingMore()
    {
        var held = new HeldCalls();
        var call = Call("k");
        var first = held.Hold(call, queue: false);

        Assert.Same(first, held.Hold(call, queue: true));
        Assert.Equal((1, 0), (held.Count, held.Queued));
    }

    [Fact]
    public void AFullSocketRefusesANewCallWithItsBound()
    {
        var held = new HeldCalls();
        held.Hold(Call(), queue: true);
        held.EnsureRoom("s", 2);
        held.Hold(Call(), queue: false);

        var refused = Assert.Throws<QueueFullException>(() => held.EnsureRoom("s", 2));
        Assert.Contains("2", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACallThatCouldNotStartKeepsItsTurnUnlessItWasLetGo()
    {
        var held = new HeldCalls();
        var first = held.Hold(Call(), queue: true);
        var second = held.Hold(Call(), queue: true);
        held.TryDequeue(out _);

        held.Requeue(first);
        Assert.True(held.TryDequeue(out var next) && ReferenceEquals(next, first));

        held.Forget(first);
        held.Requeue(first);
        Assert.True(held.TryDequeue(out next) && ReferenceEquals(next, second));
        Assert.Equal(0, held.Queued);
    }

    [Fact]
    public void ForgettingACallFreesItsKeyOnlyIfTheKeyIsStillItsOwn()
    {
        var held = new HeldCalls();
        var old = held.Hold(Call("k"), queue: true);
        var again = held.Hold(Call("k"), queue: true); // the same key taken up again under another id

        held.Forget(old);

        Assert.True(held.TryGetByKey("k", out var byKey) && ReferenceEquals(byKey, again));
        held.Forget(again);
        Assert.False(held.TryGetByKey("k", out _));
        Assert.Equal((0, 0), (held.Count, held.Queued));
    }

    [Fact]
    public void CallsPutAsideComeBackWhenDueEarliestFirstAndOnlyIfStillHeld()
    {
        var held = new HeldCalls();
        var late = held.Hold(Call(), queue: false);
        var early = held.Hold(Call(), queue: false);
        var gone = held.Hold(Call(), queue: false);
        held.Later(late, Now.AddSeconds(10));
        held.Later(early, Now.AddSeconds(1));
        held.Later(gone, Now.AddSeconds(2));
        held.Forget(gone);

        Assert.Equal(Now.AddSeconds(1), held.NextDue);
        Assert.Empty(held.TakeDue(Now));
        Assert.Equal([early], held.TakeDue(Now.AddSeconds(5)));
        Assert.Equal(Now.AddSeconds(10), held.NextDue);
        Assert.Equal([late], held.TakeDue(Now.AddSeconds(10)));
        Assert.Null(held.NextDue);
    }

    [Fact]
    public void TakingTheQueuedLeavesThemHeld()
    {
        var held = new HeldCalls();
        var a = held.Hold(Call(), queue: true);
        var b = held.Hold(Call(), queue: true);

        Assert.Equal([a, b], held.TakeQueued());
        Assert.Equal((2, 0), (held.Count, held.Queued));
    }
}
