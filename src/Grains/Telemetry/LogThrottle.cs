namespace Pyfi.Grains.Telemetry;

/// <summary>
/// Lets through at most one log line per interval about one kind of event, and counts the ones it held back so the
/// next line can say how many there were: a flood of failures (a process out of file descriptors fails every
/// accept) costs one line a second, not one per failure.
/// </summary>
public sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private long _held;

    /// <summary>Whether to log this one; if so, <paramref name="held"/> is how many were held back since the last.</summary>
    public bool TryEnter(out long held)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now < _next)
            {
                _held++;
                held = 0;
                return false;
            }

            _next = now + interval;
            held = _held;
            _held = 0;
            return true;
        }
    }
}
