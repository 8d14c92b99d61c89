using System.Net;

namespace Pyfi.Silo.Gateway;

/// <summary>Where a gateway connection is in its exchange: what may time it out, and whether it may be evicted.</summary>
public enum GatewayPhase
{
    /// <summary>Waiting for a request: the idle timeout runs, and it may be evicted.</summary>
    Waiting,

    /// <summary>A request has begun to arrive: the request timeout runs, and it may be evicted.</summary>
    Reading,

    /// <summary>The operation runs (a <c>task.run</c> that waits, a <c>flow.watch</c> long poll): nothing times it out.</summary>
    Handling,

    /// <summary>The response is being taken by the client: the request timeout runs.</summary>
    Responding,
}

/// <summary>Why the silo closed a gateway connection.</summary>
public enum GatewayDrop
{
    /// <summary>A new connection needed its place: it was the one waiting longest at a connection limit.</summary>
    Evicted,

    /// <summary>No request began within <c>PYFI_GATEWAY_IDLE_TIMEOUT</c>.</summary>
    IdleTimeout,

    /// <summary>A request did not arrive whole, or its response was not taken, within <c>PYFI_GATEWAY_REQUEST_TIMEOUT</c>.</summary>
    RequestTimeout,

    /// <summary>A request line was longer than <c>PYFI_MAX_PAYLOAD</c> allows.</summary>
    TooLarge,

    /// <summary>Refused on arrival: at a connection limit with every connection busy.</summary>
    Refused,
}

/// <summary>
/// One connection to the gateway port as <see cref="GatewayConnections"/> keeps it: its remote address, its phase,
/// and the token that ends it when the silo drops it.
/// </summary>
public sealed class GatewaySession : IDisposable
{
    private readonly CancellationTokenSource _closing;

    internal GatewaySession(IPAddress remote, DateTimeOffset now, CancellationToken stopping)
    {
        Remote = remote;
        WaitingSince = now;
        PhaseSince = now;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>The client's address.</summary>
    public IPAddress Remote { get; }

    /// <summary>Where it is in its exchange.</summary>
    public GatewayPhase Phase { get; internal set; } = GatewayPhase.Waiting;

    /// <summary>Since when it has been ready for a request (accepted, or its last response taken): the eviction order.</summary>
    public DateTimeOffset WaitingSince { get; internal set; }

    /// <summary>Since when it has been in <see cref="Phase"/>.</summary>
    public DateTimeOffset PhaseSince { get; internal set; }

    /// <summary>Why the silo dropped it, once it did.</summary>
    public GatewayDrop? Dropped { get; private set; }

    /// <summary>Cancelled when the silo drops the connection (or stops).</summary>
    public CancellationToken Closing => _closing.Token;

    internal bool Evictable => Phase is GatewayPhase.Waiting or GatewayPhase.Reading;

    // Called outside the table's lock, from the sweep's timer or the accept loop: the cancellation's callbacks (the
    // connection's reads and writes giving up) run on the thread pool, so neither waits for them nor sees them fail.
    internal void Drop(GatewayDrop reason)
    {
        Dropped ??= reason;
        try
        {
            _ = _closing.CancelAsync().ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (ObjectDisposedException)
        {
            // The connection ended on its own meanwhile.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _closing.Dispose();
}
