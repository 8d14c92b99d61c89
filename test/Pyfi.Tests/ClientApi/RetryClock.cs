using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Pyfi.Tests.ClientApi;

/// <summary>
/// A fake clock that says when something starts waiting on it: a test reads <see cref="TimerCreatedAsync"/> (a
/// backoff's delay, a deadline has been set) and then moves time on, instead of guessing how long the code takes to get there.
/// </summary>
public sealed class RetryClock() : FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero))
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits until a timer is created (at most 10 s of real time, a test's bound) and returns its due time.</summary>
    public async Task<TimeSpan> TimerCreatedAsync() => await _timers.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
}
