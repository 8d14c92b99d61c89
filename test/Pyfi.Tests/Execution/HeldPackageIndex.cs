using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pyfi.Tests.Execution;

/// <summary>
/// A package index on 127.0.0.1 serving one wheel, which holds every answer to a project page until the test
/// releases it: a requirements install that takes as long as the test says. While held it trickles a space every
/// second, so pip's read timeout (15 s, as the silo runs it) never fires: the install is slow, not broken.
/// </summary>
public sealed class HeldPackageIndex : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _wheelName;
    private readonly byte[] _wheel;
    private readonly Task _accepting;

    /// <summary>Serves the wheel at <paramref name="wheelPath"/>.</summary>
    public HeldPackageIndex(string wheelPath)
    {
        _wheelName = Path.GetFileName(wheelPath);
        _wheel = File.ReadAllBytes(wheelPath);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The <c>--index-url</c> to give pip.</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/simple/";

    /// <summary>Completes when pip first asked for a project page (the install has begun and is held).</summary>
    public Task Asked => _asked.Task;

    /// <summary>Lets every held answer (and every later one) through.</summary>
    public void Release() => _released.TrySetResult();

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true) connections.Add(ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(connections);
    }

    // One request a connection (Connection: close), which is all pip needs.
    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync(_stop.Token) ?? "";
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stop.Token)))
            {
            }

            var path = requestLine.Split(' ') is [_, var target, ..] ? target : "/";
            if (path.EndsWith(".whl", StringComparison.Ordinal))
            {
                await WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {_wheel.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(_wheel, _stop.Token);
                return;
            }

            // A project page: the headers at once, then the body only once released (no length: it ends at close).
            await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<!DOCTYPE html><html><body>");
            _asked.TrySetResult();
            while (!_released.Task.IsCompleted)
            {
                await Task.WhenAny(_released.Task, Task.Delay(TimeSpan.FromSeconds(1), _stop.Token));
                await WriteAsync(stream, " ");
            }

            await WriteAsync(stream, $"<a href=\"/files/{_wheelName}\">{_wheelName}</a></body></html>\n");
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // pip gave up on this connection, or the test ended.
        }
    }

    private Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text), _stop.Token).AsTask();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
