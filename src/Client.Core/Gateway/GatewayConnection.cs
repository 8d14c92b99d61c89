using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Pyfi.Protocol;

namespace Pyfi.Client.Gateway;

/// <summary>
/// A connection to a silo's gateway port speaking Pyfi's gateway protocol (JSON lines, see
/// <see cref="GatewayOps"/>): what the <c>pyfi</c> tool uses, and how the .NET client (<c>PyfiClient</c>) finds Orleans.
/// It starts in milliseconds because it needs no Orleans client.
/// </summary>
/// <remarks>
/// A request that may be sent twice (<see cref="GatewayOps.IsRepeatable"/>) rides through the loss of the gateway it
/// went to: when the connection breaks, or the silo answers that it is stopping, the connection is made again (to the
/// first of the gateways that accepts) and the request sent again, through <see cref="PyfiRetry"/>. The silo's gateway
/// retries its own grain calls through a cluster's changes; this covers the gateway itself going away.
/// </remarks>
public sealed class GatewayConnection : IAsyncDisposable
{
    private readonly string _gateways;
    private readonly TimeSpan _timeout;
    private readonly string? _token;
    private readonly PyfiTls? _tls;
    private readonly PyfiRetry _retry;
    private Link? _link;

    private GatewayConnection(Link link, string gateways, TimeSpan timeout, string? token, PyfiTls? tls, PyfiRetry? retry)
    {
        _link = link;
        _gateways = gateways;
        _timeout = timeout;
        _token = token;
        _tls = tls;
        _retry = retry ?? PyfiRetry.Default;
    }

    /// <summary>The gateway this connection reached (last), as <c>host:port</c>.</summary>
    public string Gateway { get; private set; } = "";

    /// <summary>
    /// Connects to the first gateway of <paramref name="gateways"/> (<c>host:port[,host:port]</c>) that accepts;
    /// every request sent on the connection carries <paramref name="token"/>. Throws
    /// <see cref="PyfiConnectionException"/> when no gateway accepts.
    /// </summary>
    public static Task<GatewayConnection> ConnectAsync(string gateways, TimeSpan timeout, string? token, CancellationToken cancellationToken = default) =>
        ConnectAsync(gateways, timeout, token, tls: null, cancellationToken);

    /// <summary>
    /// Connects as <paramref name="options"/> say: their gateways, the token <see cref="PyfiToken"/> finds for them,
    /// and TLS when they name a certificate authority or fingerprint (<see cref="PyfiTls"/>).
    /// </summary>
    public static Task<GatewayConnection> ConnectAsync(PyfiClientOptions options, CancellationToken cancellationToken = default) =>
        ConnectAsync(options.Gateways, options.ConnectTimeout, PyfiToken.Resolve(options.Token), PyfiTls.From(options), cancellationToken);

    /// <summary>
    /// Connects to the first gateway that accepts, over TLS when <paramref name="tls"/> says whom to trust (a gateway
    /// whose certificate it does not trust counts as one that did not accept).
    /// </summary>
    public static async Task<GatewayConnection> ConnectAsync(string gateways, TimeSpan timeout, string? token, PyfiTls? tls, CancellationToken cancellationToken = default)
    {
        var link = await LinkAsync(gateways, timeout, tls, cancellationToken);
        return new GatewayConnection(link, gateways, timeout, token, tls, null) { Gateway = link.Gateway };
    }

    private static async Task<Link> LinkAsync(string gateways, TimeSpan timeout, PyfiTls? tls, CancellationToken cancellationToken)
    {
        var entries = GatewayList.Parse(gateways);
        var failures = new List<string>();
        foreach (var (host, port) in entries)
        {
            var client = new TcpClient { NoDelay = true };
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(timeout);
            try
            {
                if (IPAddress.TryParse(host, out var address)) await client.ConnectAsync(address, port, attempt.Token);
                else await client.ConnectAsync(host, port, attempt.Token);
                Stream stream = client.GetStream();
                if (tls is not null)
                {
                    var secured = new SslStream(stream, leaveInnerStreamOpen: false);
                    await secured.AuthenticateAsClientAsync(tls.ClientOptions(host), attempt.Token);
                    stream = secured;
                }

                return new Link(client, stream, $"{host}:{port}");
            }
            catch (AuthenticationException e)
            {
                client.Dispose();
                failures.Add($"TLS with {host}:{port} failed: {(e.InnerException ?? e).Message.TrimEnd('.')} (is its certificate trusted by PYFI_TLS_CA or PYFI_TLS_FINGERPRINT?)");
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                client.Dispose();
                failures.Add(e switch
                {
                    SocketException s => SocketReason(s),
                    IOException when tls is not null => $"{host}:{port} does not speak TLS",
                    IOException io => io.Message,
                    _ => "no answer in time",
                });
            }
        }

        throw new PyfiConnectionException(
            $"cannot reach the Pyfi network at {gateways}: {string.Join("; ", failures.Distinct())}. Is a silo running there? (dotnet run --project src/Silo)");
    }

    /// <summary>
    /// Sends one request and returns its result; throws <see cref="PyfiException"/> with the silo's message
    /// when the operation was refused or failed, and <see cref="PyfiConnectionException"/> when the connection breaks.
    /// </summary>
    public async Task<JsonElement?> SendAsync(string op, object? args, CancellationToken cancellationToken = default)
    {
        var request = new GatewayRequest(op, args is null ? null : PyfiJson.ToElement(args)) { Token = _token };
        if (!GatewayOps.IsRepeatable(op, args)) return await SendOnceAsync(request, cancellationToken);
        return await _retry.RunAsync(async token =>
        {
            try
            {
                return await SendOnceAsync(request, token);
            }
            catch (Exception e) when (PyfiRetry.IsTransient(e))
            {
                // This connection is done with: the next try connects again.
                _link?.Dispose();
                _link = null;
                throw;
            }
        }, cancellationToken);
    }

    private async Task<JsonElement?> SendOnceAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        if (_link is null)
        {
            _link = await LinkAsync(_gateways, _timeout, _tls, cancellationToken);
            Gateway = _link.Gateway;
        }

        var link = _link;
        string? line;
        try
        {
            await link.Writer.WriteLineAsync(PyfiJson.Serialize(request).AsMemory(), cancellationToken);
            await link.Writer.FlushAsync(cancellationToken);
            line = await link.Reader.ReadLineAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new PyfiConnectionException($"the connection to {Gateway} broke: {e.Message}", e);
        }

        if (line is null)
        {
            var closed = $"the gateway at {Gateway} closed the connection (is it a Pyfi silo's gateway port? one that speaks TLS needs PYFI_TLS_CA or PYFI_TLS_FINGERPRINT)";
            // A connection that never answered was refused (TLS spoken on one side only, another program's port):
            // trying again would be refused again. One that answered before lost its silo, which is worth a retry.
            if (!link.Answered) throw new GatewayException(GatewayException.Refused, closed);
            throw new PyfiConnectionException(closed);
        }

        link.Answered = true;
        GatewayResponse? response;
        try
        {
            response = PyfiJson.Deserialize<GatewayResponse>(line);
        }
        catch (JsonException)
        {
            throw new PyfiConnectionException($"{Gateway} does not speak Pyfi's gateway protocol");
        }

        if (response is null) throw new PyfiConnectionException($"{Gateway} sent an empty answer");
        if (!response.Ok) throw new GatewayException(response.Error?.Kind ?? "Unexpected", response.Error?.Message ?? "the operation failed");
        return response.Result;
    }

    /// <summary>Sends one request and returns its result as <typeparamref name="T"/>.</summary>
    public async Task<T> SendAsync<T>(string op, object? args, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync(op, args, cancellationToken);
        return result is { } element
            ? PyfiJson.Deserialize<T>(element)!
            : throw new PyfiConnectionException($"{Gateway} answered {op} without a result");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _link?.Dispose();
        _link = null;
        return ValueTask.CompletedTask;
    }

    // One TCP (or TLS) connection to one gateway.
    private sealed class Link(TcpClient client, Stream stream, string gateway) : IDisposable
    {
        public string Gateway { get; } = gateway;

        /// <summary>Whether the gateway has answered on this connection.</summary>
        public bool Answered { get; set; }

        public StreamReader Reader { get; } = new(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);

        public StreamWriter Writer { get; } = new(stream, new UTF8Encoding(false), bufferSize: 64 * 1024) { NewLine = "\n" };

        public void Dispose() => client.Dispose();
    }

    private static string SocketReason(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TimedOut => "no answer in time",
        _ => e.Message,
    };
}

/// <summary>An operation the network refused or could not carry out, as the gateway reported it.</summary>
[GenerateSerializer, Alias("pyfi.GatewayException")]
public sealed class GatewayException : PyfiException
{
    /// <summary>The kind of a refusal from a silo that is stopping: the same request can go to another gateway, or to this one once it is back.</summary>
    public const string Stopping = "Stopping";

    /// <summary>The kind of a connection closed before it ever answered: not a Pyfi gateway this client can speak to.</summary>
    public const string Refused = "Refused";

    /// <summary>Creates the exception.</summary>
    public GatewayException(string kind, string message) : base(message) => Kind = kind;

    /// <summary>Which error the silo raised, e.g. <c>NotFound</c>, <c>AlreadyExists</c>, <c>InUse</c>, <c>InvalidSpec</c>, <c>StorageUnavailable</c>.</summary>
    [Id(0)] public string Kind { get; }
}
