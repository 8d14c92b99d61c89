using System.Buffers;
using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Pyfi.Client;
using Pyfi.Grains;
using Pyfi.Grains.Security;
using Pyfi.Grains.Telemetry;
using Pyfi.Protocol;
using Pyfi.Silo.Options;

namespace Pyfi.Silo.Gateway;

// Long on purpose: one connection's whole life (accept, admission, reading a bounded line, answering, timeouts)
// around one pipe; the limits are GatewayConnections, the request reader GatewayRequestReader, the operations
// GatewayOperations.
/// <summary>
/// Serves the gateway protocol (JSON lines, see <see cref="GatewayOps"/>) on the silo's gateway port, for
/// tools that should start in milliseconds rather than start an Orleans client: the <c>pyfi</c> CLI, and
/// the .NET client's discovery of Orleans gateways. It opens once the silo is active and closes first.
/// </summary>
/// <remarks>
/// The port is open to whoever can reach it, so everything a client can make it hold is bounded (docs/security.md,
/// "The gateway port"): a request line is read through a <see cref="PipeReader"/> and refused once it passes
/// <c>PYFI_MAX_PAYLOAD</c>, never buffered whole first; connections are counted, timed and evicted by
/// <see cref="GatewayConnections"/>; an idle connection holds no read buffer; accept failures are logged once a
/// second at most, and accepting pauses while they last.
/// </remarks>
public sealed partial class GatewayListener(
    GatewayOperations operations,
    GatewayEndpoint endpoint,
    GatewayConnections connections,
    IOptions<PyfiConnectionOptions> limitOptions,
    IOptions<PyfiRuntimeOptions> runtimeOptions,
    TimeProvider time,
    IMeterFactory meters,
    ILogger<GatewayListener> logger,
    SiloTls? tls = null) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Bytes a request line may have beyond <c>PYFI_MAX_PAYLOAD</c>: its envelope (operation, socket, key, options).</summary>
    public const int EnvelopeAllowance = 64 * 1024;

    // Zero-byte reads: a connection waiting for its next request holds no buffer until bytes arrive.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 16 * 1024, leaveOpen: true);

    // A connection's pipes are completed after its socket is closed; this says so, and keeps a writer whose last
    // flush was cut off from writing its rest synchronously to a client that does not read.
    private static readonly IOException Closed = new("the gateway connection is closed");

    // How long a client has to complete the TLS handshake, as Orleans' TLS allows on its ports.
    private static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(10);

    // How long a refusal may take to reach a client, and to discard what it still sends of the refused request.
    private static readonly TimeSpan LastWordTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DiscardTimeout = TimeSpan.FromSeconds(5);

    // Connections closed when an accept finds no file descriptor left: room for a backlog's worth of clients soon.
    private const int EvictedWhenOut = 64;

    // Accepting pauses this long, doubling up to the longest, while accepts fail.
    private static readonly TimeSpan FirstAcceptPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestAcceptPause = TimeSpan.FromSeconds(1);

    private readonly PyfiConnectionOptions _limits = limitOptions.Value;
    private readonly long _maxPayloadBytes = runtimeOptions.Value.MaxPayloadBytes;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _serving = [];
    private readonly LogThrottle _acceptFailures = new(time, TimeSpan.FromSeconds(1));
    private DropCounts _reported;
    private ITimer? _summary;
    private Socket? _listener;
    private Task? _acceptLoop;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GatewayListener), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        var listener = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(endpoint.Address, endpoint.Port));
        listener.Listen(backlog: 512);
        _listener = listener;
        if (_limits.GatewayMaxConnectionsAsSet is { } asSet) LogConnectionsCut(asSet, FileDescriptors.Limit() ?? 0, _limits.GatewayMaxConnections);

        GatewayInstruments.Observe(meters, connections);
        _summary = time.CreateTimer(_ => Summarize(), null, SummaryInterval, SummaryInterval);
        _acceptLoop = AcceptAsync(listener);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _summary?.Dispose();
        _listener?.Dispose();
        Task[] running;
        lock (_serving) running = [.. _serving];
        await Task.WhenAll(running.Append(_acceptLoop ?? Task.CompletedTask)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync(Socket listener)
    {
        var pause = TimeSpan.Zero;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
                pause = TimeSpan.Zero;
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // The client gave up while it waited in the backlog: nothing to serve, nothing to say.
                continue;
            }
            catch (Exception e)
            {
                // Out of file descriptors: the connections waiting longest give theirs back, so clients queued
                // behind the failure still get in. Whatever the cause, accepting pauses instead of failing again at
                // once, longer and longer while nothing could be freed.
                var error = e is SocketException socketError ? socketError.SocketErrorCode : SocketError.SocketError;
                var freed = error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable && connections.EvictLongestWaiting(EvictedWhenOut) > 0;
                if (_acceptFailures.TryEnter(out var held)) LogAcceptFailed(error, e.Message, held);
                pause = pause == TimeSpan.Zero || freed ? FirstAcceptPause : TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestAcceptPause.Ticks));
                await Task.Delay(pause, time, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            try
            {
                Serve(socket);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Reset before it could be served.
                socket.Dispose();
            }
        }
    }

    private void Serve(Socket socket)
    {
        socket.NoDelay = true;
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var session = connections.Admit(address, _stopping.Token);
        var serving = session is null ? RefuseAsync(socket) : ServeAsync(socket, session, remote);
        lock (_serving) _serving.Add(serving);
        _ = serving.ContinueWith(t => { lock (_serving) _serving.Remove(t); }, TaskScheduler.Default);
    }

    private async Task ServeAsync(Socket socket, GatewaySession session, EndPoint remote)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var origin = $"gateway client {remote}";
        if (tls is not null)
        {
            // The handshake is waiting like any other: the connection may be evicted or time out meanwhile.
            var secured = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(session.Closing);
                handshake.CancelAfter(TlsHandshakeTimeout);
                await secured.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = tls.Certificate }, handshake.Token);
                stream = secured;
            }
            catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Not TLS, or not in time: nothing to answer in a protocol it does not speak.
                connections.Remove(session);
                session.Dispose();
                await secured.DisposeAsync();
                return;
            }
        }

        var reader = PipeReader.Create(stream, ReaderOptions);
        var writer = PipeWriter.Create(stream, WriterOptions);
        var limit = _maxPayloadBytes + EnvelopeAllowance;
        try
        {
            while (true)
            {
                var request = await GatewayRequestReader.ReadAsync(reader, limit, () => connections.Reading(session), session.Closing);
                if (request.Kind == RequestLineKind.Closed) return;
                if (request.Kind == RequestLineKind.TooLarge)
                {
                    connections.TooLarge(session);
                    connections.Responding(session);
                    await WriteAsync(writer, Failure(new InvalidSpecException($"request larger than {ByteSize.Format(_maxPayloadBytes)} (PYFI_MAX_PAYLOAD)")), session.Closing);
                    if (!request.Ended) await DiscardRestAsync(socket, reader, limit, session.Closing);
                    return;
                }

                connections.Handling(session);
                GatewayRequest? parsed;
                GatewayResponse? response;
                try
                {
                    (parsed, response) = Parse(request.Line);
                }
                finally
                {
                    reader.AdvanceTo(request.Next);
                }

                if (parsed is not null)
                {
                    // A silo that stops does not wait for operations that wait (task.run, flow.watch): their clients reconnect.
                    response = operations.Waits(parsed.Op)
                        ? await HandleWatchingAsync(parsed, origin, reader)
                        : await HandleAsync(parsed, origin, _stopping.Token).WaitAsync(_stopping.Token);

                    // The client left while it waited: nothing to answer, and nothing of its wait is left here.
                    if (response is null) return;
                }

                connections.Responding(session);
                await WriteAsync(writer, response!, session.Closing);
                connections.Waiting(session);
            }
        }
        catch (OperationCanceledException) when (session is { Dropped: GatewayDrop.RequestTimeout, Phase: GatewayPhase.Reading })
        {
            await LastWordAsync(writer, Failure(new InvalidSpecException($"request not received whole within {_limits.GatewayRequestTimeout} (PYFI_GATEWAY_REQUEST_TIMEOUT)")));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && session.Phase == GatewayPhase.Handling)
        {
            await LastWordAsync(writer, Stopping);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, the silo dropped the connection, or the silo is stopping: nothing to answer.
        }
        finally
        {
            connections.Remove(session);
            session.Dispose();
            await stream.DisposeAsync();
            await reader.CompleteAsync();
            await writer.CompleteAsync(Closed);
        }
    }

    // At a connection limit with every connection busy: one line saying so (in plain TCP), and the connection closed.
    private async Task RefuseAsync(Socket socket)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (tls is not null)
        {
            await stream.DisposeAsync();
            return;
        }

        var writer = PipeWriter.Create(stream, WriterOptions);
        try
        {
            await LastWordAsync(writer, Failure(new InvalidSpecException(
                $"the gateway is at its limit of connections (PYFI_GATEWAY_MAX_CONNECTIONS {_limits.GatewayMaxConnections}, " +
                $"PYFI_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS {_limits.GatewayMaxConnectionsPerAddress}), all of them busy: try again later")));
        }
        finally
        {
            await stream.DisposeAsync();
            await writer.CompleteAsync(Closed);
        }
    }

    // After a refusal: the client sees the refusal and the end of the connection while what it still sends is discarded.
    private async Task DiscardRestAsync(Socket socket, PipeReader reader, long budget, CancellationToken cancellationToken)
    {
        socket.Shutdown(SocketShutdown.Send);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(DiscardTimeout);
        await GatewayRequestReader.DiscardRestAsync(reader, budget, deadline.Token);
    }

    // A refusal on a connection about to close, if the client takes it within a second.
    private async Task LastWordAsync(PipeWriter writer, GatewayResponse refusal)
    {
        try
        {
            using var deadline = new CancellationTokenSource(LastWordTimeout, time);
            await WriteAsync(writer, refusal, deadline.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // It did not: the connection closes all the same.
        }
    }

    // The request read whole from the line, before the reader moves on (its arguments are copied out of the pipe's buffer).
    private static (GatewayRequest? Request, GatewayResponse? Refusal) Parse(ReadOnlySequence<byte> line)
    {
        GatewayRequest? request;
        try
        {
            request = PyfiJson.Deserialize<GatewayRequest>(line);
        }
        catch (JsonException e)
        {
            return (null, Failure(new InvalidSpecException($"the request is malformed: {PyfiJson.Describe(e)}")));
        }

        return request is null || string.IsNullOrEmpty(request.Op)
            ? (null, Failure(new InvalidSpecException("the request names no operation")))
            : (request, null);
    }

    // An operation that may wait long runs while the connection is read for its end: a client that leaves cancels it,
    // and with it the grain calls it waits on (their tokens travel with them), so a waiter gone holds nothing here.
    // Null when the client left.
    private async Task<GatewayResponse?> HandleWatchingAsync(GatewayRequest request, string origin, PipeReader reader)
    {
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var watching = WatchForCloseAsync(reader, gone);
        try
        {
            var response = await HandleAsync(request, origin, gone.Token).WaitAsync(_stopping.Token);
            return gone.IsCancellationRequested && !_stopping.IsCancellationRequested ? null : response;
        }
        finally
        {
            // Ends the watch's pending read (the request reader looks again after a cancelled read).
            reader.CancelPendingRead();
            await watching;
        }
    }

    // Reads until the client closes its side (then cancels the operation), bytes arrive (a next request, left unread
    // for the request reader: the watch ends), or the operation ends and cancels the read.
    private static async Task WatchForCloseAsync(PipeReader reader, CancellationTokenSource gone)
    {
        try
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            reader.AdvanceTo(buffer.Start);
            if (result.IsCompleted && !result.IsCanceled && buffer.IsEmpty) await gone.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The connection broke: the client is gone as surely as if it had closed.
            await gone.CancelAsync();
        }
    }

    private async Task<GatewayResponse> HandleAsync(GatewayRequest request, string origin, CancellationToken cancellationToken)
    {
        try
        {
            var result = await operations.RunAsync(request.Op, request.Args, request.Token, origin, cancellationToken);
            return new GatewayResponse(true, result is null ? null : PyfiJson.ToElement(result));
        }
        catch (Exception e) when (PyfiException.Find(e) is { } pyfi)
        {
            return Failure(pyfi);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return Stopping;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left (HandleWatchingAsync answers no one).
            return Stopping;
        }
        catch (Exception e) when (PyfiRetry.IsTransient(e))
        {
            // An operation that is not run twice (a change of a definition or a token) met a silo's loss.
            return Failure(new UnavailableException(
                $"the network did not answer ({PyfiRetry.Reason(e)}); a silo may have been lost, and the change may or may not have been made: look before trying again"));
        }
        catch (Exception e)
        {
            LogOperationFailed(e, request.Op, origin);
            return new GatewayResponse(false, Error: new GatewayError("Unexpected", $"the silo could not carry out {request.Op} (its log says why): {e.Message.Split('\n')[0]}"));
        }
    }

    private static readonly GatewayResponse Stopping = new(false, Error: new GatewayError(Pyfi.Client.Gateway.GatewayException.Stopping, "the silo is stopping: try again (another gateway, or once it is back)"));

    private static GatewayResponse Failure(PyfiException e) =>
        new(false, Error: new GatewayError(e.ErrorKind, e.Message));

    // One response line, written into the pipe's pooled buffers and flushed at once.
    private static async ValueTask WriteAsync(PipeWriter writer, GatewayResponse response, CancellationToken cancellationToken)
    {
        using (var json = new Utf8JsonWriter(writer, new JsonWriterOptions { Encoder = PyfiJson.Compact.Encoder, SkipValidation = true }))
        {
            JsonSerializer.Serialize(json, response, ResponseInfo);
        }

        writer.Write("\n"u8);
        await writer.FlushAsync(cancellationToken);
    }

    // At most one line a minute about connections the silo dropped for cause (idle ones are housekeeping, not news).
    private void Summarize()
    {
        var now = DropCounts.Of(connections);
        var since = now - _reported;
        _reported = now;
        if (since.Total > 0) LogDropped(since.Evicted, since.Refused, since.Slow, since.TooLarge, connections.Count);
    }

    private static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(1);

    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<GatewayResponse> ResponseInfo =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<GatewayResponse>)PyfiJson.Compact.GetTypeInfo(typeof(GatewayResponse));

    private readonly record struct DropCounts(long Evicted, long Refused, long Slow, long TooLarge)
    {
        public long Total => Evicted + Refused + Slow + TooLarge;

        public static DropCounts Of(GatewayConnections c) =>
            new(c.DroppedFor(GatewayDrop.Evicted), c.DroppedFor(GatewayDrop.Refused), c.DroppedFor(GatewayDrop.RequestTimeout), c.DroppedFor(GatewayDrop.TooLarge));

        public static DropCounts operator -(DropCounts a, DropCounts b) => new(a.Evicted - b.Evicted, a.Refused - b.Refused, a.Slow - b.Slow, a.TooLarge - b.TooLarge);
    }
}

/// <summary>Where the gateway listens.</summary>
/// <param name="Address">The address to bind.</param>
/// <param name="Port">The gateway port (<c>PYFI_GATEWAY_PORT</c>).</param>
public sealed record GatewayEndpoint(IPAddress Address, int Port);
