using CliWrap;
using CliWrap.Buffered;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cli;

/// <summary>
/// Runs the real <c>pyfi</c> tool with a terminal as its standard input, output and error, as a person's shell
/// does: through util-linux <c>script</c>, which gives it a pseudo-terminal and copies what it writes (standard
/// output and error together, as a terminal shows them) to its own standard output.
/// </summary>
public static class TerminalCli
{
    /// <summary>
    /// Runs <c>pyfi</c> with <paramref name="args"/> on a terminal, typing <paramref name="typed"/> into it, with
    /// <c>PYFI_GATEWAY</c> <paramref name="gateway"/>, <c>PYFI_TOKEN</c> <paramref name="token"/>, on a terminal
    /// <paramref name="columns"/> wide.
    /// </summary>
    public static async Task<CliResult> RunAsync(string gateway, string? token, string[] args, string typed = "", TimeSpan? timeout = null, int columns = 200)
    {
        FastTier.Refuse("the pyfi tool on a terminal");
        var env = new Dictionary<string, string?>();
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("PYFI_", StringComparison.Ordinal))) env[key] = null;
        env["PYFI_GATEWAY"] = gateway;
        if (token is not null) env["PYFI_TOKEN"] = token;
        // A terminal as wide as `columns` (script's own has no size without one around it).
        var commandLine = $"stty cols {columns}; exec " + string.Join(' ', TestEnvironment.CliCommand.Concat(args).Select(Quote));

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        // -e: script exits with the tool's exit code; -q: no banner. The transcript file is not wanted.
        var result = await CliWrap.Cli.Wrap("script")
            .WithArguments(["-qec", commandLine, "/dev/null"])
            .WithEnvironmentVariables(env)
            .WithStandardInputPipe(PipeSource.FromString(typed))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cts.Token);
        return new CliResult(result.ExitCode, result.StandardOutput.Replace("\r\n", "\n", StringComparison.Ordinal), result.StandardError);
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
