namespace Pyfi.Grains.Python;

/// <summary>What one Python worker may use.</summary>
/// <param name="MemoryBytes">Its address space (RLIMIT_AS, set by the worker before it imports the module); 0 for no limit.</param>
/// <param name="MaxPayloadBytes">The largest result, as JSON, a call may return (<c>PYFI_MAX_PAYLOAD</c>).</param>
public sealed record WorkerLimits(long MemoryBytes, long MaxPayloadBytes)
{
    /// <summary>
    /// What a reply may hold beside its result: the captured output (1 MiB of JSON at most) and an exception's
    /// message and traceback (64 Ki characters each, escaped), with room to spare.
    /// </summary>
    public const int ReplyOverhead = 4 << 20;

    /// <summary>The longest line the silo reads from the worker: a longer one is never held whole; the worker is stopped.</summary>
    public int ReplyLineLimit => (int)Math.Min(int.MaxValue - (1 << 20), MaxPayloadBytes + ReplyOverhead);
}
