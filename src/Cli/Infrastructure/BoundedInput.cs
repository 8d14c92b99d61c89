using System.Text;

namespace Pyfi.Cli.Infrastructure;

/// <summary>
/// Reads what the user gives on standard input or in a file up to the payload limit (<c>PYFI_MAX_PAYLOAD</c>):
/// past it the input is refused at once, before the rest is read or held.
/// </summary>
public static class BoundedInput
{
    /// <summary>All of <paramref name="reader"/>; throws <see cref="InvalidSpecException"/> once it passes <paramref name="maxBytes"/> of UTF-8.</summary>
    public static async Task<string> ReadAllAsync(TextReader reader, int maxBytes, string what, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[64 * 1024];
        long bytes = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            bytes += Encoding.UTF8.GetByteCount(buffer.AsSpan(0, read));
            if (bytes > maxBytes) throw TooLarge(what, maxBytes);
            text.Append(buffer, 0, read);
        }

        return text.ToString();
    }

    /// <summary>
    /// The text of <paramref name="file"/> (<c>-</c>: standard input), up to the payload limit (<c>PYFI_MAX_PAYLOAD</c>);
    /// refusals name it as <paramref name="what"/> ("the workflow file"), or standard input as <paramref name="whatOnStandardInput"/>.
    /// </summary>
    public static async Task<string> ReadFileAsync(FileInfo file, string what, string whatOnStandardInput, CancellationToken cancellationToken)
    {
        var maxBytes = CliContext.MaxPayloadBytes;
        if (file.Name == "-") return await ReadAllAsync(Console.In, maxBytes, whatOnStandardInput, cancellationToken);
        try
        {
            // Its length says at once when a regular file is too large; a pipe or device is bounded as it is read.
            if (file.Exists && file.Length > maxBytes) throw TooLarge(what, maxBytes);
            using var reader = new StreamReader(file.FullName, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
            return await ReadAllAsync(reader, maxBytes, what, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidSpecException($"cannot read {what} {file.FullName}: {e.Message}");
        }
    }

    /// <summary>
    /// The lines of <paramref name="reader"/>, each stripped, joined into one string up to the first blank line
    /// (what <c>pyfi task run</c> without <c>--data</c> sends); refused past <paramref name="maxBytes"/>.
    /// </summary>
    public static string ReadLines(TextReader reader, int maxBytes, string what)
    {
        var joined = new StringBuilder();
        var line = new StringBuilder();
        long bytes = 0;
        while (true)
        {
            var c = reader.Read();
            if (c is -1 or '\n' or '\r')
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                var stripped = line.ToString().Trim();
                if (stripped.Length == 0) return joined.ToString();
                joined.Append(stripped);
                if (c == -1) return joined.ToString();
                line.Clear();
                continue;
            }

            // Its UTF-8 length: a surrogate is half of a four-byte character.
            bytes += c < 0x80 ? 1 : c < 0x800 || char.IsSurrogate((char)c) ? 2 : 3;
            if (bytes > maxBytes) throw TooLarge(what, maxBytes);
            line.Append((char)c);
        }
    }

    /// <summary>The refusal of an input larger than <paramref name="maxBytes"/>.</summary>
    public static InvalidSpecException TooLarge(string what, long maxBytes) =>
        new($"{what} is larger than {ByteSize.Format(maxBytes)} ({PyfiLimits.PayloadVariable})");
}
