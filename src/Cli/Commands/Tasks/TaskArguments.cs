using System.Text;
using System.Text.Json;

namespace Pyfi.Cli.Commands.Tasks;

/// <summary>
/// Turns what the user typed into a call's arguments, as the original <c>task run</c> did: <c>--data</c> is a
/// Python literal (a list or tuple is spread as positional arguments, anything else is one argument);
/// <c>--kwargs</c> a dict literal; with neither, standard input's lines are stripped and joined into one string
/// argument, up to the first blank line.
/// </summary>
public static class TaskArguments
{
    /// <summary>The positional arguments as a JSON array, and the keyword arguments as a JSON object (or null).</summary>
    public static (JsonElement Args, JsonElement? Kwargs) From(string? data, string? kwargs, bool noData, TextReader stdin)
    {
        string args;
        if (noData) args = "[]";
        else if (data is not null)
        {
            var literal = Read(data, "--data");
            args = literal.IsSequence ? literal.Json : $"[{literal.Json}]";
        }
        else
        {
            args = $"[{JsonSerializer.Serialize(ReadLines(stdin), CliJsonContext.Default.String)}]";
        }

        JsonElement? keywords = null;
        if (kwargs is not null)
        {
            var literal = Read(kwargs, "--kwargs");
            using var document = JsonDocument.Parse(literal.Json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidSpecException("--kwargs must be a dict literal, e.g. \"{'key': 'value'}\"");
            keywords = document.RootElement.Clone();
        }

        using var parsed = JsonDocument.Parse(args);
        return (parsed.RootElement.Clone(), keywords);
    }

    private static PythonLiteral.Parsed Read(string text, string option)
    {
        try
        {
            return PythonLiteral.Parse(text);
        }
        catch (InvalidSpecException e)
        {
            throw new InvalidSpecException($"{option}: {e.Message}");
        }
    }

    private static string ReadLines(TextReader stdin)
    {
        var joined = new StringBuilder();
        while (stdin.ReadLine() is { } line)
        {
            var stripped = line.Trim();
            if (stripped.Length == 0) break;
            joined.Append(stripped);
        }

        return joined.ToString();
    }
}
