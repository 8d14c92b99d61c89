using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Pyfi.Silo.Gateway;

namespace Pyfi.Tests.Gateway;

/// <summary>Request lines read with their length bounded while they arrive (no sockets, no silo).</summary>
[Trait("Category", "Fast")]
public sealed class GatewayRequestReaderTests
{
    // No back-pressure: the writer may run ahead of the reader, as a client's bytes do into the silo's socket.
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));

    [Fact]
    public async Task LinesAreReadOneByOneSkippingBlankOnesAndALastOneWithoutItsNewlineCounts()
    {
        await WriteAsync("\n\r\n{\"op\":\"a\"}\r\n{\"op\":\"b\"}\n\n{\"op\":\"c\"}");
        await _pipe.Writer.CompleteAsync();

        Assert.Equal(["{\"op\":\"a\"}", "{\"op\":\"b\"}", "{\"op\":\"c\"}", "(closed)"], await ReadAllAsync(limit: 100));
    }

    [Fact]
    public async Task ALineLongerThanTheLimitIsRefusedBeforeItIsBufferedWhole()
    {
        const int limit = 64 * 1024;
        var chunk = new string('a', 4096);
        var started = 0;
        var reading = GatewayRequestReader.ReadAsync(_pipe.Reader, limit, () => started++, CancellationToken.None).AsTask();

        // Up to the limit and no newline: still a request being read.
        for (var written = 0; written < limit; written += chunk.Length)
        {
            await WriteAsync(chunk);
        }

        Assert.False(reading.IsCompleted, "the reader ended a line that was not over its limit");

        // One chunk past it and nothing more: a reader that waited for the newline (buffering the line whole)
        // would wait here for ever; this one refuses with what it has.
        await WriteAsync(chunk);
        var line = await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RequestLineKind.TooLarge, line.Kind);
        Assert.False(line.Ended);
        Assert.Equal(1, started);
        Assert.False(_pipe.Reader.TryRead(out _), "the pipe still holds bytes the reader had seen");
    }

    [Fact]
    public async Task ALineOverTheLimitThatArrivesWithItsNewlineIsRefusedAsEnded()
    {
        await WriteAsync(new string('a', 200) + "\n");

        var line = await GatewayRequestReader.ReadAsync(_pipe.Reader, 100, () => { }, CancellationToken.None);

        Assert.Equal(RequestLineKind.TooLarge, line.Kind);
        Assert.True(line.Ended);
    }

    [Fact]
    public async Task ALineOfExactlyTheLimitIsARequest()
    {
        await WriteAsync(new string('a', 100) + "\n");

        var line = await GatewayRequestReader.ReadAsync(_pipe.Reader, 100, () => { }, CancellationToken.None);

        Assert.Equal(RequestLineKind.Line, line.Kind);
        Assert.Equal(100, line.Line.Length);
    }

    [Fact]
    public async Task TheRestOfARefusedRequestIsDiscardedUpToItsNewline()
    {
        await WriteAsync(new string('a', 5000) + "\n{\"op\":\"next\"}\n");

        var found = await GatewayRequestReader.DiscardRestAsync(_pipe.Reader, budget: 1 << 20, CancellationToken.None);

        Assert.True(found);
    }

    [Fact]
    public async Task DiscardingStopsAtItsBudget()
    {
        await WriteAsync(new string('a', 10_000));

        var found = await GatewayRequestReader.DiscardRestAsync(_pipe.Reader, budget: 1000, CancellationToken.None);

        Assert.False(found);
    }

    [Fact]
    public async Task AReadCancelledToEndAWatchIsNotARequestOrAnEnd()
    {
        // The listener cancels a pending read to stop watching a waiting connection for its end; the cancel can
        // land on the request reader's next read instead, with half a request or nothing buffered.
        await WriteAsync("{\"op\":");
        _pipe.Reader.CancelPendingRead();
        var reading = GatewayRequestReader.ReadAsync(_pipe.Reader, 100, () => { }, CancellationToken.None).AsTask();
        await WriteAsync("\"a\"}\n");

        var line = await reading;

        Assert.Equal(RequestLineKind.Line, line.Kind);
        Assert.Equal("{\"op\":\"a\"}", Encoding.UTF8.GetString(line.Line.ToArray()));
        _pipe.Reader.AdvanceTo(line.Next);
        _pipe.Reader.CancelPendingRead();
        await _pipe.Writer.CompleteAsync();
        Assert.Equal(["(closed)"], await ReadAllAsync(limit: 100));
    }

    private async Task WriteAsync(string text)
    {
        await _pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    private async Task<List<string>> ReadAllAsync(long limit)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await GatewayRequestReader.ReadAsync(_pipe.Reader, limit, () => { }, CancellationToken.None);
            if (line.Kind != RequestLineKind.Line)
            {
                lines.Add($"({line.Kind.ToString().ToLowerInvariant()})");
                return lines;
            }

            lines.Add(Encoding.UTF8.GetString(line.Line.ToArray()));
            _pipe.Reader.AdvanceTo(line.Next);
        }
    }
}
