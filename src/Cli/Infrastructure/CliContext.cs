using System.CommandLine;
using Pyfi.Client;
using Pyfi.Client.Gateway;
using Pyfi.Protocol;
using Spectre.Console;

namespace Pyfi.Cli.Infrastructure;

/// <summary>What every command shares: where output goes, the global options, and the connection to the network.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    /// <summary><c>--gateway host:port[,host:port]</c>, on every command.</summary>
    public Option<string?> Gateway { get; } = new("--gateway")
    {
        Description = "Gateway(s) of the network, host:port[,host:port] (default: PYFI_GATEWAY, else localhost:30000)",
        Recursive = true,
    };

    /// <summary><c>--token</c>, on every command: else <c>PYFI_TOKEN</c>, the file <c>PYFI_TOKEN_FILE</c>, or <c>./.pyfi/admin.token</c>.</summary>
    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Token to present (default: PYFI_TOKEN, else the file PYFI_TOKEN_FILE, else ./.pyfi/admin.token)",
        Recursive = true,
    };

    /// <summary>Standard output.</summary>
    public TextWriter Output { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; } = error;

    private readonly Lazy<IAnsiConsole> _console = new(() => CreateConsole(output));

    /// <summary>Tables and trees for people, on standard output (made on first use: most commands print plain lines).</summary>
    public IAnsiConsole Console => _console.Value;

    /// <summary>Standard output is a terminal a live view can redraw (not a pipe or a file).</summary>
    public bool IsInteractive => !System.Console.IsOutputRedirected && Console.Profile.Capabilities.Interactive;

    /// <summary>
    /// Connects to the gateway the command line, else <c>PYFI_GATEWAY</c>, else the default names, presenting the
    /// token <see cref="PyfiToken"/> finds, over TLS when <c>PYFI_TLS_CA</c> or <c>PYFI_TLS_FINGERPRINT</c> is set.
    /// </summary>
    public Task<GatewayConnection> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var options = PyfiClientOptions.FromEnvironment();
        options.Gateways = Gateways(parse);
        options.Token = parse.GetValue(Token);
        options.ConnectTimeout = ConnectTimeout;
        return GatewayConnection.ConnectAsync(options, cancellationToken);
    }

    /// <summary>The gateways this command will use.</summary>
    public string Gateways(ParseResult parse) =>
        parse.GetValue(Gateway) is { Length: > 0 } given ? given
        : Environment.GetEnvironmentVariable("PYFI_GATEWAY") is { Length: > 0 } env ? env
        : PyfiClientOptions.DefaultGateway;

    /// <summary>
    /// The largest <c>--data</c>, <c>--kwargs</c>, standard input or workflow file this tool reads, in bytes:
    /// <c>PYFI_MAX_PAYLOAD</c> (the silos' payload limit), else <see cref="PyfiLimits.DefaultMaxPayloadBytes"/>.
    /// </summary>
    public static int MaxPayloadBytes =>
        Environment.GetEnvironmentVariable(PyfiLimits.PayloadVariable) is not { Length: > 0 } value ? PyfiLimits.DefaultMaxPayloadBytes
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) && bytes > 0 ? bytes
        : throw new InvalidSpecException($"{PyfiLimits.PayloadVariable} must be a whole number of bytes, not '{value}'");

    /// <summary>Prints <paramref name="value"/> as JSON on standard output.</summary>
    public void WriteJson<T>(T value) => Output.WriteLine(PyfiJson.Serialize(value, PyfiJson.Indented));

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        // A pipe has no width; don't wrap tables at 80 columns for it.
        if (System.Console.IsOutputRedirected) console.Profile.Width = 240;
        return console;
    }
}
