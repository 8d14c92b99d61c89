using System.Text;
using System.Text.Json;

namespace Pyfi.Grains.Python;

/// <summary>
/// The lines of <c>pyfi_worker.py</c>'s protocol as the silo writes and reads them (see the script). Every
/// reply is checked in full before it is believed: a line that is not a well-formed reply is a protocol
/// violation, never a result.
/// </summary>
internal static class WorkerProtocol
{
    // Every reply Python can write is read (a document is read without recursion), however deep its result.
    private static readonly JsonDocumentOptions Json = new() { MaxDepth = PyfiLimits.MaxResultDepth + 2 };

    /// <summary>The request line for one call.</summary>
    public static byte[] Request(long id, string function, string args, string? kwargs)
    {
        var request = new StringBuilder(64 + args.Length + (kwargs?.Length ?? 0))
            .Append("{\"id\":").Append(id)
            .Append(",\"function\":").Append(JsonSerializer.Serialize(function, PythonJsonContext.Default.String))
            .Append(",\"args\":").Append(args);
        if (kwargs is not null) request.Append(",\"kwargs\":").Append(kwargs);
        return Encoding.UTF8.GetBytes(request.Append("}\n").ToString());
    }

    /// <summary>The line that tells the worker to skip a request it has not started.</summary>
    public static byte[] Cancel(long id) => Encoding.UTF8.GetBytes($"{{\"cancel\":{id}}}\n");

    /// <summary>Reads the worker's first line: <see langword="null"/> when it imported the module, else why not; <see langword="false"/> when the line is not a hello.</summary>
    public static bool TryReadHello(ReadOnlyMemory<byte> line, out CallError? importError)
    {
        importError = null;
        try
        {
            using var document = JsonDocument.Parse(line, Json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ready", out var ready) || ready.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return false;
            if (ready.GetBoolean()) return true;
            return root.TryGetProperty("error", out var error) && TryReadError(error, out importError);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static ReadOnlySpan<byte> StartedPrefix => "{\"started\":"u8;

    /// <summary>
    /// Reads a started line (<c>{"started":N}</c>, written by the worker as it begins a request): the request's id;
    /// <see langword="false"/> when the line is not one (it may be a reply).
    /// </summary>
    public static bool TryReadStarted(ReadOnlySpan<byte> line, out long id)
    {
        id = 0;
        if (!line.StartsWith(StartedPrefix) || line.Length < StartedPrefix.Length + 2 || line[^1] != (byte)'}') return false;
        var digits = line[StartedPrefix.Length..^1];
        return System.Buffers.Text.Utf8Parser.TryParse(digits, out id, out var used) && used == digits.Length && id > 0;
    }

    /// <summary>Reads a reply line: the id of the request it answers and what it says; <see langword="false"/> when the line is not a reply.</summary>
    public static bool TryReadReply(ReadOnlyMemory<byte> line, out long id, out PythonReply reply)
    {
        id = 0;
        reply = null!;
        try
        {
            using var document = JsonDocument.Parse(line, Json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt64(out id)
                || !root.TryGetProperty("ok", out var ok) || ok.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }

            string? output = null;
            if (root.TryGetProperty("output", out var o))
            {
                if (o.ValueKind != JsonValueKind.String) return false;
                output = o.GetString();
            }

            if (ok.GetBoolean())
            {
                if (!root.TryGetProperty("result", out var result)) return false;
                reply = new PythonReply(true, result.GetRawText(), null, output);
                return true;
            }

            if (!root.TryGetProperty("error", out var e) || !TryReadError(e, out var error)) return false;
            reply = new PythonReply(false, null, error, output);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The start of a line, printable, for a message about it.</summary>
    public static string Preview(ReadOnlyMemory<byte> line)
    {
        var text = Encoding.UTF8.GetString(line.Span[..Math.Min(line.Length, 60)]);
        var printable = new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]);
        return line.Length > 60 ? $"'{printable}…', {line.Length} bytes" : $"'{printable}'";
    }

    private static bool TryReadError(JsonElement error, out CallError? result)
    {
        result = null;
        if (error.ValueKind != JsonValueKind.Object || !error.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) return false;
        result = new CallError(
            type.GetString() ?? "Error",
            error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "",
            error.TryGetProperty("traceback", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null);
        return true;
    }
}
