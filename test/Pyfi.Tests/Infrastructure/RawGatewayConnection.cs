using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// A bare TCP connection to a silo's gateway port, for saying what the <c>pyfi</c> tool never would: nothing, a
/// byte at a time, or a line of 150 MB. Reads answers as raw lines.
/// </summary>
public sealed class RawGatewayConnection : IDisposable
{
    private readonly string? _token;
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _pending = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    private RawGatewayConnection(TcpClient client, string? token)
    {
        _client = client;
        _token = token;
        _stream = client.GetStream();
    }

    /// <summary>Connects to the gateway on 127.0.0.1:<paramref name="port"/>; its requests carry <paramref name="token"/>.</summary>
    public static async Task<RawGatewayConnection> ConnectAsync(int port, string? token = null)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        return new RawGatewayConnection(client, token);
    }

    /// <summary>The request line (without its newline) for <paramref name="op"/> with <paramref name="args"/> (JSON) and this connection's token.</summary>
    public string Request(string op, string? args = null) =>
        $"{{\"op\":\"{op}\"{(_token is null ? "" : $",\"token\":\"{_token}\"")}{(args is null ? "" : $",\"args\":{args}")}}}";

    /// <summary>Writes <paramref name="text"/> as it is (add the newline to end a request).</summary>
    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="bytes"/>.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends <paramref name="op"/> with <paramref name="args"/> (JSON) and returns the answer line (raw JSON).</summary>
    public async Task<string> RequestAsync(string op, string? args = null, TimeSpan? timeout = null)
    {
        await WriteAsync(Request(op, args) + "\n");
        return await ReadLineAsync(timeout ?? TimeSpan.FromSeconds(60)) ?? throw new IOException("the gateway closed the connection");
    }

    /// <summary>The next line, or <see langword="null"/> once the gateway closed the connection (or reset it).</summary>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var bytes = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
            var newline = bytes.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(bytes[..newline]);
                var rest = bytes[(newline + 1)..].ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return line;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, cts.Token);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0) return null;
            _pending.Write(_buffer, 0, read);
        }
    }

    /// <summary>Waits until the gateway closes the connection; returns how long that took.</summary>
    public async Task<TimeSpan> WaitForCloseAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (await ReadLineAsync(timeout - clock.Elapsed) is not null)
        {
        }

        return clock.Elapsed;
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
