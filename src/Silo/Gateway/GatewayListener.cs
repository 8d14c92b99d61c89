using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Protocol;

namespace Pyfi.Silo.Gateway;

/// <summary>
/// Serves the gateway protocol (JSON lines, see <see cref="GatewayOps"/>) on the silo's gateway port, for
/// tools that should start in milliseconds rather than start an Orleans client: the <c>pyfi</c> CLI, and
/// the .NET client's discovery of Orleans gateways. It opens once the silo is active and closes first.
/// </summary>
public sealed partial class GatewayListener(
    GatewayOperations operations, GatewayEndpoint endpoint, ILogger<GatewayListener> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Longest request line accepted (task arguments travel in it).</summary>
    public const int MaxLineLength = 32 * 1024 * 1024;

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private TcpListener? _listener;
    private Task? _acceptLoop;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GatewayListener), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new TcpListener(endpoint.Address, endpoint.Port);
        _listener.Start(backlog: 512);
        _acceptLoop = AcceptAsync();
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _listener?.Stop();
        Task[] running;
        lock (_connections) running = [.. _connections];
        await Task.WhenAll(running.Append(_acceptLoop ?? Task.CompletedTask)).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e);
                continue;
            }

            client.NoDelay = true;
            var connection = ServeAsync(client);
            lock (_connections) _connections.Add(connection);
            _ = connection.ContinueWith(t => { lock (_connections) _connections.Remove(t); }, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var origin = $"gateway client {client.Client.RemoteEndPoint}";
        try
        {
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 64 * 1024) { NewLine = "\n" };
            while (!_stopping.IsCancellationRequested)
            {
                var line = await reader.ReadLineAsync(_stopping.Token);
                if (line is null) return;
                if (line.Length == 0) continue;
                if (line.Length > MaxLineLength)
                {
                    await WriteAsync(writer, Failure(new InvalidSpecException($"request longer than {MaxLineLength} characters")));
                    return;
                }

                await WriteAsync(writer, await HandleAsync(line, origin));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the silo is stopping: nothing to answer.
        }
    }

    private async Task<GatewayResponse> HandleAsync(string line, string origin)
    {
        GatewayRequest? request;
        try
        {
            request = PyfiJson.Deserialize<GatewayRequest>(line);
        }
        catch (JsonException e)
        {
            return Failure(new InvalidSpecException($"the request is malformed: {PyfiJson.Describe(e)}"));
        }

        if (request is null || string.IsNullOrEmpty(request.Op)) return Failure(new InvalidSpecException("the request names no operation"));
        try
        {
            var result = await operations.RunAsync(request.Op, request.Args, request.Token, origin, _stopping.Token);
            return new GatewayResponse(true, result is null ? null : PyfiJson.ToElement(result));
        }
        catch (Exception e) when (PyfiException.Find(e) is { } pyfi)
        {
            return Failure(pyfi);
        }
        catch (Exception e)
        {
            LogOperationFailed(e, request.Op);
            return new GatewayResponse(false, Error: new GatewayError("Unexpected", $"{e.GetType().Name}: {e.Message.Split('\n')[0]}"));
        }
    }

    private static GatewayResponse Failure(PyfiException e) =>
        new(false, Error: new GatewayError(e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal), e.Message));

    private static async Task WriteAsync(StreamWriter writer, GatewayResponse response)
    {
        await writer.WriteLineAsync(PyfiJson.Serialize(response));
        await writer.FlushAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway could not accept a connection")]
    private partial void LogAcceptFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gateway operation {Op} failed unexpectedly")]
    private partial void LogOperationFailed(Exception exception, string op);
}

/// <summary>Where the gateway listens.</summary>
/// <param name="Address">The address to bind.</param>
/// <param name="Port">The gateway port (<c>PYFI_GATEWAY_PORT</c>).</param>
public sealed record GatewayEndpoint(IPAddress Address, int Port);
