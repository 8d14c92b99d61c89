using System.Net;
using Microsoft.Extensions.Options;
using Pyfi.Silo.Options;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// The gateway port's connections and their limits (see docs/security.md, "The gateway port"): at most
/// <c>PYFI_GATEWAY_MAX_CONNECTIONS</c> in all and <c>PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS</c> from one address;
/// one that starts no request within <c>PYFI_GATEWAY_IDLE_TIMEOUT</c>, or whose request line (from its first byte)
/// or response takes longer than <c>PYFI_GATEWAY_REQUEST_TIMEOUT</c>, is dropped.
/// </summary>
/// <remarks>
/// At a limit, a new connection takes the place of the one that has been waiting longest (since it was accepted or
/// its last response was taken) and has no operation running: connections an attacker opens and leaves idle are
/// always older than the one a client opens to send a request at once, so the client wins however many the attacker
/// holds. Only when every connection has an operation running (or a response on its way) is a new one refused.
/// </remarks>
public sealed class GatewayConnections : IDisposable
{
    private readonly PyfiConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly HashSet<GatewaySession> _open = [];
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly long[] _dropped = new long[Enum.GetValues<GatewayDrop>().Length];
    private readonly ITimer _sweeper;
    private long _accepted;

    /// <summary>Starts the timeout sweep on <paramref name="time"/>.</summary>
    public GatewayConnections(IOptions<PyfiConnectionOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        // Often enough that a timeout is kept to within a quarter of itself (or a second).
        var shortest = _options.GatewayIdleTimeout < _options.GatewayRequestTimeout ? _options.GatewayIdleTimeout : _options.GatewayRequestTimeout;
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    /// <summary>Connections open now.</summary>
    public int Count
    {
        get { lock (_open) return _open.Count; }
    }

    /// <summary>Connections accepted since the silo started (including those refused on arrival).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections the silo dropped for <paramref name="reason"/> since it started.</summary>
    public long DroppedFor(GatewayDrop reason) => Interlocked.Read(ref _dropped[(int)reason]);

    /// <summary>
    /// Admits a connection from <paramref name="remote"/>, evicting the one waiting longest if a limit is reached;
    /// <see langword="null"/> when it must be refused (every connection at the limit is busy).
    /// </summary>
    public GatewaySession? Admit(IPAddress remote, CancellationToken stopping)
    {
        Interlocked.Increment(ref _accepted);
        GatewaySession? evicted;
        GatewaySession admitted;
        lock (_open)
        {
            var fromAddress = _perAddress.GetValueOrDefault(remote);
            evicted = fromAddress >= _options.GatewayMaxConnectionsPerAddress ? LongestWaiting(remote)
                : _open.Count >= _options.GatewayMaxConnections ? LongestWaiting(null)
                : null;
            if (evicted is null && (fromAddress >= _options.GatewayMaxConnectionsPerAddress || _open.Count >= _options.GatewayMaxConnections))
            {
                Interlocked.Increment(ref _dropped[(int)GatewayDrop.Refused]);
                return null;
            }

            if (evicted is not null) Forget(evicted);
            admitted = new GatewaySession(remote, _time.GetUtcNow(), stopping);
            _open.Add(admitted);
            _perAddress[remote] = _perAddress.GetValueOrDefault(remote) + 1;
        }

        if (evicted is not null) Drop(evicted, GatewayDrop.Evicted);
        return admitted;
    }

    /// <summary>The first byte of a request arrived: the request timeout starts.</summary>
    public void Reading(GatewaySession session) => Move(session, GatewayPhase.Reading);

    /// <summary>The request arrived whole: its operation runs, untimed and not evicted.</summary>
    public void Handling(GatewaySession session) => Move(session, GatewayPhase.Handling);

    /// <summary>The response is being written: the request timeout starts again.</summary>
    public void Responding(GatewaySession session) => Move(session, GatewayPhase.Responding);

    /// <summary>The response was taken: the connection waits for its next request.</summary>
    public void Waiting(GatewaySession session) => Move(session, GatewayPhase.Waiting);

    /// <summary>The silo refuses the request in progress as larger than allowed, and will close the connection.</summary>
    public void TooLarge(GatewaySession session) => Interlocked.Increment(ref _dropped[(int)GatewayDrop.TooLarge]);

    /// <summary>
    /// Drops up to <paramref name="count"/> connections, those waiting longest, to free their file descriptors when
    /// the process has none left to accept with. Returns how many it dropped.
    /// </summary>
    public int EvictLongestWaiting(int count)
    {
        List<GatewaySession> evicted = [];
        lock (_open)
        {
            evicted.AddRange(_open.Where(s => s.Evictable).OrderBy(s => s.WaitingSince).Take(count));
            foreach (var session in evicted) Forget(session);
        }

        foreach (var session in evicted) Drop(session, GatewayDrop.Evicted);
        return evicted.Count;
    }

    /// <summary>The connection ended (closed by either side): it no longer counts.</summary>
    public void Remove(GatewaySession session)
    {
        lock (_open)
        {
            // Not there if the table dropped it first (evicted, timed out).
            if (_open.Contains(session)) Forget(session);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sweeper.Dispose();

    // Drops what has waited or dawdled too long.
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        List<(GatewaySession, GatewayDrop)> due = [];
        lock (_open)
        {
            foreach (var session in _open)
            {
                if (session.Phase == GatewayPhase.Waiting && now - session.PhaseSince >= _options.GatewayIdleTimeout) due.Add((session, GatewayDrop.IdleTimeout));
                else if (session.Phase is GatewayPhase.Reading or GatewayPhase.Responding && now - session.PhaseSince >= _options.GatewayRequestTimeout)
                    due.Add((session, GatewayDrop.RequestTimeout));
            }

            foreach (var (session, _) in due) Forget(session);
        }

        foreach (var (session, reason) in due) Drop(session, reason);
    }

    private void Move(GatewaySession session, GatewayPhase phase)
    {
        lock (_open)
        {
            var now = _time.GetUtcNow();
            session.Phase = phase;
            session.PhaseSince = now;
            if (phase == GatewayPhase.Waiting) session.WaitingSince = now;
        }
    }

    // Under the lock: the evictable connection of remote (or of any address) waiting longest.
    private GatewaySession? LongestWaiting(IPAddress? remote)
    {
        GatewaySession? longest = null;
        foreach (var session in _open)
        {
            if (!session.Evictable || (remote is not null && !session.Remote.Equals(remote))) continue;
            if (longest is null || session.WaitingSince < longest.WaitingSince) longest = session;
        }

        return longest;
    }

    // Under the lock.
    private void Forget(GatewaySession session)
    {
        _open.Remove(session);
        if (_perAddress[session.Remote] == 1) _perAddress.Remove(session.Remote);
        else _perAddress[session.Remote]--;
    }

    private void Drop(GatewaySession session, GatewayDrop reason)
    {
        Interlocked.Increment(ref _dropped[(int)reason]);
        session.Drop(reason);
    }
}
