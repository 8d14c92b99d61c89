using Pyfi.Grains.Workflows;

namespace Pyfi.Tests.Workflows;

/// <summary>
/// The window a workflow submits its steps through, without processes: never more in flight than the workflow's
/// bound, never more on a socket than its queue takes, a full queue backed off from and returned to, and a socket
/// at its limit not holding back the others.
/// </summary>
[Trait("Category", "Fast")]
public sealed class StepWindowTests
{
    [Fact]
    public void ThousandsOfReadyStepsGoOutNoMoreThanTheWindowAtATimeAndNoMoreOnASocketThanItsQueueTakes()
    {
        var window = new StepWindow(100);
        window.Bound("small", 7);
        for (var i = 0; i < 5_000; i++) window.Add(i, i % 2 == 0 ? "big" : "small");
        var random = new Random(3);
        var inFlight = new List<(int Step, string Socket)>();
        var taken = new HashSet<int>();
        var (most, mostSmall) = (0, 0);

        while (taken.Count < 5_000 || inFlight.Count > 0)
        {
            while (window.TryTake(out var step))
            {
                Assert.True(taken.Add(step), $"step {step} taken twice");
                inFlight.Add((step, step % 2 == 0 ? "big" : "small"));
            }

            most = Math.Max(most, inFlight.Count);
            mostSmall = Math.Max(mostSmall, inFlight.Count(s => s.Socket == "small"));
            Assert.Equal(inFlight.Count, window.InFlight);
            // Steps end in any order.
            var ended = inFlight[random.Next(inFlight.Count)];
            inFlight.Remove(ended);
            window.Ended(ended.Socket);
        }

        Assert.Equal((100, 7), (most, mostSmall));
        Assert.Equal((0, 0), (window.InFlight, window.Waiting));
    }

    [Fact]
    public void ASocketAtItsLimitDoesNotHoldBackStepsForAnother()
    {
        var window = new StepWindow(10);
        window.Bound("full", 2);
        for (var i = 0; i < 5; i++) window.Add(i, "full");
        window.Add(100, "other");

        var taken = Take(window);

        Assert.Equal([0, 100, 1], taken);
        Assert.Equal(3, window.Waiting);
    }

    [Fact]
    public void AQueueFullRefusalHalvesWhatGoesToThatSocketAndEachEndLetsOneMoreBackUpToItsBound()
    {
        var window = new StepWindow(16);
        for (var i = 0; i < 100; i++) window.Add(i, "s");
        Assert.Equal(16, Take(window).Count);

        window.Refused("s");
        Assert.Equal(8, window.LimitOf("s"));
        window.Refused("s");
        Assert.Equal(4, window.LimitOf("s"));
        // Nothing more goes out until fewer than 4 are in flight there.
        for (var i = 0; i < 12; i++) window.Ended("s");
        Assert.Equal((4, 16), (window.InFlightOn("s"), window.LimitOf("s")));

        window.Refused("s");
        Assert.Equal(2, window.LimitOf("s"));
        Assert.Empty(Take(window));
        window.Ended("s");
        window.Ended("s");
        window.Ended("s");
        Assert.Equal((1, 5), (window.InFlightOn("s"), window.LimitOf("s")));
        Assert.Equal(4, Take(window).Count);
    }

    [Fact]
    public void ASocketsBoundNeverExceedsTheWindowAndIsAtLeastOne()
    {
        var window = new StepWindow(50);
        window.Bound("huge", 100_000);
        window.Bound("zero", 0);

        Assert.Equal((50, 1), (window.LimitOf("huge"), window.LimitOf("zero")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepWindow(0));
    }

    private static List<int> Take(StepWindow window)
    {
        var taken = new List<int>();
        while (window.TryTake(out var step)) taken.Add(step);
        return taken;
    }
}
