using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Pyfi.Silo.Hosting;

/// <summary>
/// Bounds what connections that never finish their handshake can take from one of Orleans' listening ports (the
/// Orleans gateway, the silo port), as connection middleware ahead of everything else: Orleans 10.4 waits for a
/// connection's preamble forever and holds any number of them, so enough idle TCP connections ran the process out
/// of file descriptors and memory (20,000 took 500 MB and every descriptor here). With the guard a connection must
/// send its first frame whole (on the Orleans gateway port the token a client presents, on the silo port Orleans'
/// preamble) within <c>PYFI_ORLEANS_HANDSHAKE_TIMEOUT</c>, and the port holds at most
/// <c>PYFI_GATEWAY_MAX_CONNECTIONS</c>: at the limit a new connection closes the oldest still in its handshake, or is
/// closed itself if every connection has finished its handshake. One that sends nothing is closed before anything
/// after the guard sees it (no token check, no log line). See docs/security.md, "Orleans' ports".
/// </summary>
public sealed partial class OrleansConnectionGuard : IDisposable
{
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(1);

    private readonly string _port;
    private readonly int _maxConnections;
    private readonly TimeSpan _handshakeTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LinkedList<Handshake> _handshaking = [];
    private readonly ITimer _sweeper;
    private int _open;
    private long _timedOut, _evicted, _refused;
    private DateTimeOffset _nextSummary;

    /// <summary>A guard for the port named <paramref name="port"/> (for its log lines).</summary>
    public OrleansConnectionGuard(string port, int maxConnections, TimeSpan handshakeTimeout, TimeProvider time, ILogger logger)
    {
        _port = port;
        _maxConnections = maxConnections;
        _handshakeTimeout = handshakeTimeout;
        _time = time;
        _logger = logger;
        _nextSummary = time.GetUtcNow() + SummaryInterval;
        var period = TimeSpan.FromTicks(Math.Clamp(handshakeTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    /// <summary>Connections open on the port now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Adds the guard to a port's connection pipeline, before Orleans' own handling.</summary>
    public void Use(IConnectionBuilder builder) => builder.Use(next => context => GuardAsync(context, next));

    /// <inheritdoc />
    public void Dispose() => _sweeper.Dispose();

    private async Task GuardAsync(ConnectionContext context, ConnectionDelegate next)
    {
        var handshake = new Handshake(context, _time.GetUtcNow());
        Handshake? evicted = null;
        var refused = false;
        lock (_handshaking)
        {
            if (_open >= _maxConnections)
            {
                evicted = _handshaking.First?.Value;
                if (evicted is null)
                {
                    refused = true;
                    _refused++;
                }
                else
                {
                    Forget(evicted);
                    _evicted++;
                }
            }

            if (!refused)
            {
                _open++;
                handshake.Node = _handshaking.AddLast(handshake);
            }
        }

        // Outside the lock: aborting runs the transport's callbacks.
        if ((refused ? context : evicted?.Context) is { } closing) Abort(closing, $"{_port} is at its limit of {_maxConnections} connections");
        if (refused) return;
        var transport = context.Transport;
        try
        {
            // A connection that sends nothing never reaches what comes after (the token check, Orleans): closing
            // it costs nothing but its socket, and no log line.
            if (!await FirstBytesAsync(transport.Input))
            {
                Abort(context, $"no Orleans handshake within {_handshakeTimeout}");
                return;
            }

            var watched = new DuplexPipe(new HandshakeReader(transport.Input, () => Done(handshake)), transport.Output);
            context.Transport = watched;
            await next(context);
        }
        finally
        {
            lock (_handshaking)
            {
                _open--;
                Forget(handshake);
            }
        }
    }

    // Whether bytes arrived before the connection was closed (by its peer, or by the sweep at the timeout). They
    // are left unexamined, so whoever reads next gets them at once.
    private static async Task<bool> FirstBytesAsync(PipeReader input)
    {
        try
        {
            var read = await input.ReadAsync();
            input.AdvanceTo(read.Buffer.Start);
            return !read.Buffer.IsEmpty && !read.IsCanceled;
        }
        catch (Exception e) when (e is ConnectionAbortedException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            return false;
        }
    }

    // The first frame was consumed (by the token check, TLS or Orleans, whichever reads first): no longer timed. The
    // reader stays in place (TLS may have wrapped it already) and passes reads straight through from now on.
    private void Done(Handshake handshake)
    {
        lock (_handshaking) Forget(handshake);
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        List<Handshake> late = [];
        long timedOut, evicted, refused;
        lock (_handshaking)
        {
            while (_handshaking.First?.Value is { } oldest && now - oldest.Started >= _handshakeTimeout)
            {
                Forget(oldest);
                late.Add(oldest);
                _timedOut++;
            }

            (timedOut, evicted, refused) = now >= _nextSummary ? (_timedOut, _evicted, _refused) : (0, 0, 0);
            if (now >= _nextSummary)
            {
                (_timedOut, _evicted, _refused) = (0, 0, 0);
                _nextSummary = now + SummaryInterval;
            }
        }

        foreach (var handshake in late) Abort(handshake.Context, $"no Orleans handshake within {_handshakeTimeout}");
        if (timedOut + evicted + refused > 0) LogDropped(_port, timedOut, evicted, refused, Open);
    }

    // A connection may be closing on its own meanwhile: aborting it then has nothing to do, and must not throw into
    // the sweep's timer (which would end the process) or the accept path.
    private static void Abort(ConnectionContext context, string reason)
    {
        try
        {
            context.Abort(new ConnectionAbortedException(reason));
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            // Already closed.
        }
    }

    // Under the lock.
    private void Forget(Handshake handshake)
    {
        if (handshake.Node is null) return;
        _handshaking.Remove(handshake.Node);
        handshake.Node = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Port} dropped connections in the last minute: {TimedOut} sent no Orleans handshake within " +
        "PYFI_ORLEANS_HANDSHAKE_TIMEOUT, {Evicted} closed at PYFI_GATEWAY_MAX_CONNECTIONS while still in their handshake, {Refused} refused; {Open} open now")]
    private partial void LogDropped(string port, long timedOut, long evicted, long refused, int open);

    private sealed class Handshake(ConnectionContext context, DateTimeOffset started)
    {
        public ConnectionContext Context { get; } = context;

        public DateTimeOffset Started { get; } = started;

        public LinkedListNode<Handshake>? Node { get; set; }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// Passes reads through, and says when the reader first consumes anything: the first frame (a length and that
    /// many bytes: Pyfi's token, Orleans' preamble) is read without consuming until it has all arrived, then
    /// consumed whole (a TLS handshake consumes its first record).
    /// </summary>
    private sealed class HandshakeReader(PipeReader inner, Action onConsumed) : PipeReader
    {
        private SequencePosition _start;
        private bool _done;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            _done ? inner.ReadAsync(cancellationToken) : ReadWatchedAsync(cancellationToken);

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result)) return false;
            _start = result.Buffer.Start;
            return true;
        }

        private async ValueTask<ReadResult> ReadWatchedAsync(CancellationToken cancellationToken)
        {
            var result = await inner.ReadAsync(cancellationToken);
            _start = result.Buffer.Start;
            return result;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            inner.AdvanceTo(consumed, examined);
            if (_done || consumed.Equals(_start)) return;
            _done = true;
            onConsumed();
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
