using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pyfi.Client;
using Spectre.Console;

namespace Pyfi.Cli.Infrastructure;

/// <summary>What every command shares: where output goes, the global options, and the connection to the network.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    /// <summary>JSON as <c>--json</c> prints it: camelCase, enums by name, nulls left out.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary><c>--gateway host:port[,host:port]</c>, on every command.</summary>
    public Option<string?> Gateway { get; } = new("--gateway")
    {
        Description = "Gateway(s) of the network, host:port[,host:port] (default: PYFI_GATEWAY, else localhost:30000)",
        Recursive = true,
    };

    /// <summary>Standard output.</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>Tables and trees for people, on standard output.</summary>
    public IAnsiConsole Console { get; } = CreateConsole(output);

    /// <summary>Connects to the gateway the command line or the environment names.</summary>
    public Task<PyfiClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken) =>
        PyfiClient.ConnectAsync(parse.GetValue(Gateway), cancellationToken);

    /// <summary>Prints <paramref name="value"/> as JSON on standard output.</summary>
    public void WriteJson<T>(T value) => Output.WriteLine(JsonSerializer.Serialize(value, Json));

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        // A pipe has no width; don't wrap tables at 80 columns for it.
        if (System.Console.IsOutputRedirected) console.Profile.Width = 240;
        return console;
    }
}
