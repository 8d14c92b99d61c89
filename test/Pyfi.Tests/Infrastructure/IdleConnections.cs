using System.Diagnostics;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// An attacker's idle TCP connections to a loopback port, held by a Python process of their own: 10,000 of them
/// take 10,000 file descriptors, more than this test process can spare beside the tests running in parallel
/// (<c>ulimit -n</c> is 20,000 here and cannot be raised). The process connects, sends nothing (or a few bytes),
/// and tells how many connections the other side has closed when asked; disposing it closes the rest.
/// </summary>
public sealed class IdleConnections : IAsyncDisposable
{
    private const string Script = """
        import select, socket, sys
        port, count, hello = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
        held, failed = [], 0
        for _ in range(count):
            s = socket.socket()
            s.settimeout(30)
            try:
                s.connect(("127.0.0.1", port))
                if hello:
                    s.send(hello)
                held.append(s)
            except OSError:
                failed += 1
                s.close()
        print(f"opened {len(held)} failed {failed}", flush=True)
        for line in sys.stdin:
            # A socket the other side closed polls readable (its end, or a refusal line before it).
            poller = select.poll()
            for s in held:
                poller.register(s, select.POLLIN | select.POLLRDHUP)
            print(f"closed {len(poller.poll(0))}", flush=True)
        """;

    private readonly Process _process;

    private IdleConnections(Process process, int opened)
    {
        _process = process;
        Opened = opened;
    }

    /// <summary>Connections that were opened.</summary>
    public int Opened { get; }

    /// <summary>Opens <paramref name="count"/> connections to 127.0.0.1:<paramref name="port"/>, each sending <paramref name="hello"/> (if any).</summary>
    public static async Task<IdleConnections> OpenAsync(int port, int count, string hello = "", TimeSpan? timeout = null)
    {
        FastTier.Refuse("a Python process");
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-c", Script, port.ToString(), count.ToString(), hello },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        var line = await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("the connection holder exited");
        return new IdleConnections(process, int.Parse(line.Split(' ')[1]));
    }

    /// <summary>How many of the connections the other side has closed by now.</summary>
    public async Task<int> ClosedByPeerAsync()
    {
        await _process.StandardInput.WriteLineAsync("count");
        await _process.StandardInput.FlushAsync();
        var line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the connection holder exited");
        return int.Parse(line.Split(' ')[1]);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
