using Microsoft.Extensions.Time.Testing;
using Pyfi.Grains.Telemetry;

namespace Pyfi.Tests.Gateway;

/// <summary>One log line a second, whatever the flood, with the count of the lines held back.</summary>
[Trait("Category", "Fast")]
public sealed class LogThrottleTests
{
    [Fact]
    public void AFloodIsOneLineASecondAndTheNextSaysHowManyWereHeldBack()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time, TimeSpan.FromSeconds(1));

        var entered = Enumerable.Range(0, 2_000).Count(i => throttle.TryEnter(out _));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, entered);
        Assert.True(throttle.TryEnter(out var held));
        Assert.Equal(1_999, held);
        Assert.False(throttle.TryEnter(out _));
    }
}
