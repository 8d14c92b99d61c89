using System.Buffers;
using System.IO.Pipelines;

namespace Pyfi.Silo.Gateway;

/// <summary>What <see cref="GatewayRequestReader.ReadAsync"/> found.</summary>
public enum RequestLineKind
{
    /// <summary>A whole request line (without its newline).</summary>
    Line,

    /// <summary>The client closed the connection between requests.</summary>
    Closed,

    /// <summary>The line grew past the limit before its end: what had arrived is discarded.</summary>
    TooLarge,
}

/// <summary>One request line, while it is still in the reader's buffer (advance past <see cref="Next"/> once done with it).</summary>
/// <param name="Kind">What was found.</param>
/// <param name="Line">The request's bytes (for <see cref="RequestLineKind.Line"/>).</param>
/// <param name="Next">Where the next request starts (for <see cref="RequestLineKind.Line"/>).</param>
/// <param name="Ended">For <see cref="RequestLineKind.TooLarge"/>: whether the line's newline has arrived (nothing more of it will).</param>
public readonly record struct RequestLine(RequestLineKind Kind, ReadOnlySequence<byte> Line = default, SequencePosition Next = default, bool Ended = false);

/// <summary>
/// Reads the gateway protocol's request lines from a <see cref="PipeReader"/> with their length bounded while they
/// arrive: a line is never held past <c>limit</c> bytes (and one read), however much a client sends without a newline.
/// </summary>
public static class GatewayRequestReader
{
    /// <summary>
    /// The next request line. Blank lines between requests are skipped; <paramref name="started"/> is called when
    /// the first byte of a request arrives. For a <see cref="RequestLineKind.Line"/>, the caller advances the reader
    /// to <see cref="RequestLine.Next"/> when done with it; otherwise the reader has been advanced.
    /// </summary>
    public static async ValueTask<RequestLine> ReadAsync(PipeReader reader, long limit, Action started, CancellationToken cancellationToken)
    {
        var begun = false;
        long scanned = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (!begun)
            {
                buffer = SkipBlankLines(buffer);
                if (!buffer.IsEmpty)
                {
                    begun = true;
                    started();
                }
            }

            // Only what arrived since the last look is searched: a long line costs one pass, not one per read.
            if (buffer.Slice(scanned).PositionOf((byte)'\n') is { } newline)
            {
                var line = buffer.Slice(0, newline);
                if (line.Length > limit)
                {
                    reader.AdvanceTo(buffer.End);
                    return new RequestLine(RequestLineKind.TooLarge, Ended: true);
                }

                return new RequestLine(RequestLineKind.Line, TrimReturn(line), buffer.GetPosition(1, newline));
            }

            scanned = buffer.Length;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return new RequestLine(RequestLineKind.TooLarge);
            }

            if (result.IsCanceled && !result.IsCompleted)
            {
                // A read cancelled to end a watch for the client's leaving (GatewayListener): look again.
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            if (result.IsCompleted)
            {
                // A last request without its newline is still a request (as a text reader would read it).
                if (!buffer.IsEmpty) return new RequestLine(RequestLineKind.Line, TrimReturn(buffer), buffer.End);
                reader.AdvanceTo(buffer.End);
                return new RequestLine(RequestLineKind.Closed);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Reads and discards what the client still sends of a refused request, until its newline, the end of the
    /// connection, <paramref name="budget"/> bytes, or cancellation, so the refusal reaches a client that is still
    /// writing (closing with unread data would reset the connection, and could lose the refusal). Returns whether
    /// the request's end was found.
    /// </summary>
    public static async ValueTask<bool> DiscardRestAsync(PipeReader reader, long budget, CancellationToken cancellationToken)
    {
        long discarded = 0;
        while (discarded < budget)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            reader.AdvanceTo(buffer.End);
            if (newline is not null) return true;
            if (result.IsCompleted || result.IsCanceled) return false;
            discarded += buffer.Length;
        }

        return false;
    }

    private static ReadOnlySequence<byte> SkipBlankLines(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.AdvancePastAny((byte)'\n', (byte)'\r');
        return buffer.Slice(reader.Position);
    }

    private static ReadOnlySequence<byte> TrimReturn(ReadOnlySequence<byte> line) =>
        line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;
}
