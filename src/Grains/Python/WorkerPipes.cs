using CliWrap;

namespace Pyfi.Grains.Python;

/// <summary>One line a worker wrote, without its newline; the memory is only valid during the call.</summary>
internal delegate void LineHandler(ReadOnlyMemory<byte> line);

/// <summary>
/// Reads a worker's stdout or stderr as lines of bytes on a dedicated thread (a wake-up per reply is cheaper
/// than the thread pool's async I/O on this path, and many workers cannot starve the pool), never holding more
/// than a bound: whatever the process writes, the silo's memory for it is bounded.
/// </summary>
internal static class WorkerPipes
{
    private const int Chunk = 64 * 1024;

    /// <summary>
    /// Lines of at most <paramref name="maxLine"/> bytes go to <paramref name="onLine"/>. A longer one goes to
    /// <paramref name="onTooLong"/> when given (and the rest of the stream is read and dropped), else to
    /// <paramref name="onLine"/> in pieces of <paramref name="maxLine"/> bytes.
    /// </summary>
    public static PipeTarget Lines(string threadName, int maxLine, LineHandler onLine, Action? onTooLong = null) => PipeTarget.Create((origin, _) =>
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Read(origin, maxLine, onLine, onTooLong);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = threadName };
        thread.Start();
        return done.Task;
    });

    private static void Read(Stream origin, int maxLine, LineHandler onLine, Action? onTooLong)
    {
        // The buffer grows with the line being read, up to the bound plus one read.
        var buffer = new byte[Math.Min(Chunk, maxLine + 1)];
        int start = 0, end = 0, scanned = 0;
        while (true)
        {
            var newline = buffer.AsSpan(scanned, end - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var stop = scanned + newline;
                onLine(buffer.AsMemory(start, stop - start));
                start = scanned = stop + 1;
                continue;
            }

            scanned = end;
            if (end - start > maxLine)
            {
                if (onTooLong is not null)
                {
                    onTooLong();
                    while (origin.Read(buffer, 0, buffer.Length) > 0)
                    {
                        // Dropped: the process is being stopped.
                    }

                    return;
                }

                onLine(buffer.AsMemory(start, maxLine));
                start += maxLine;
                continue;
            }

            if (start == end)
            {
                start = end = scanned = 0;

                // A large reply grew the buffer: give the memory back rather than hold it for the worker's life.
                if (buffer.Length > 4 * Chunk) buffer = new byte[Chunk];
            }
            else if (end == buffer.Length)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    scanned -= start;
                    start = 0;
                }
                else
                {
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, (long)maxLine + 1 + Chunk));
                }
            }

            var read = origin.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                // A last line without a newline: a process that died while writing it. Only logs want it.
                if (end > start && onTooLong is null) onLine(buffer.AsMemory(start, end - start));
                return;
            }

            end += read;
        }
    }
}
