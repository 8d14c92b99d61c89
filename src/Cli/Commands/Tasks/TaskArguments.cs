using System.Text;
using System.Text.Json;
using Pyfi.Cli.Infrastructure;

namespace Pyfi.Cli.Commands.Tasks;

/// <summary>
/// Turns what the user typed into a call's arguments, as the original <c>task run</c> did: <c>--data</c> is a
/// Python literal (a list or tuple is spread as positional arguments, anything else is one argument);
/// <c>--kwargs</c> a dict literal; with neither, standard input's lines are stripped and joined into one string
/// argument, up to the first blank line. Each is at most <c>PYFI_MAX_PAYLOAD</c> bytes long, and the arguments
/// nest at most <see cref="PyfiLimits.MaxDepth"/> levels, as the socket accepts them.
/// </summary>
public static class TaskArguments
{
    /// <summary>The positional arguments as a JSON array, and the keyword arguments as a JSON object (or null).</summary>
    public static (JsonElement Args, JsonElement? Kwargs) From(string? data, string? kwargs, bool noData, TextReader stdin, int maxBytes)
    {
        string args;
        if (noData) args = "[]";
        else if (data is not null)
        {
            var literal = Read(data, "--data", maxBytes);
            // One value that is not a list or tuple is sent inside a list: one level more.
            if (literal.Depth + (literal.IsSequence ? 0 : 1) > PyfiLimits.MaxDepth) throw new InvalidSpecException($"--data is nested deeper than {PyfiLimits.MaxDepth} levels");
            args = literal.IsSequence ? literal.Json : $"[{literal.Json}]";
        }
        else
        {
            args = $"[{JsonSerializer.Serialize(BoundedInput.ReadLines(stdin, maxBytes, "standard input"), CliJsonContext.Default.String)}]";
        }

        JsonElement? keywords = null;
        if (kwargs is not null)
        {
            var literal = Read(kwargs, "--kwargs", maxBytes);
            using var document = JsonDocument.Parse(literal.Json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidSpecException("--kwargs must be a dict literal, e.g. \"{'key': 'value'}\"");
            keywords = document.RootElement.Clone();
        }

        using var parsed = JsonDocument.Parse(args);
        return (parsed.RootElement.Clone(), keywords);
    }

    private static PythonLiteral.Parsed Read(string text, string option, int maxBytes) =>
        Encoding.UTF8.GetByteCount(text) > maxBytes ? throw BoundedInput.TooLarge(option, maxBytes) : PythonLiteral.Parse(text, option);
}
