using System.Text;
using System.Text.Json;

namespace Pyfi.Cli.Commands.Follow;

/// <summary>
/// One ended call as <c>pyfi follow</c> prints it: a line of JSON with its position, id, socket, run, hop, state,
/// result (as the function returned it) or error, attempts, and when it was accepted and ended.
/// </summary>
public static class FollowLine
{
    /// <summary>The line for <paramref name="call"/> at <paramref name="position"/>.</summary>
    public static string Of(CallInfo call, long position)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("position", position);
            json.WriteString("id", call.Id);
            json.WriteString("socket", call.Socket);
            if (call.Run is { } run) json.WriteString("run", run);
            json.WriteNumber("hop", call.Hop);
            json.WriteString("state", call.State.ToString().ToLowerInvariant());
            if (call.Result is { } result)
            {
                json.WritePropertyName("result");
                json.WriteRawValue(result, skipInputValidation: false);
            }

            if (call.Error is { } error)
            {
                json.WriteStartObject("error");
                json.WriteString("type", error.Type);
                json.WriteString("message", error.Message);
                if (error.Traceback is { } traceback) json.WriteString("traceback", traceback);
                json.WriteEndObject();
            }

            json.WriteNumber("attempts", call.Attempts);
            json.WriteString("created", call.Created);
            if (call.Finished is { } finished) json.WriteString("finished", finished);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
