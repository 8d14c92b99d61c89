using CliWrap;
using CliWrap.Buffered;

namespace Pyfi.Tests.Infrastructure;

/// <summary>What one run of the <c>pyfi</c> tool did.</summary>
/// <param name="ExitCode">0 done, 1 refused or failed, 2 usage.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real <c>pyfi</c> tool as a process, the way a user's shell does: pointed at <paramref name="gateway"/>
/// (<c>PYFI_GATEWAY</c>) with <paramref name="token"/> (<c>PYFI_TOKEN</c>), and no other PYFI_* variable of the test's own.
/// </summary>
public sealed class PyfiCli(string? gateway, IReadOnlyDictionary<string, string>? environment = null, string? token = null, string? workingDirectory = null)
{
    /// <summary>Runs <c>pyfi</c> with <paramref name="args"/>, feeding <paramref name="stdin"/> if given.</summary>
    public async Task<CliResult> RunAsync(string[] args, string? stdin = null, TimeSpan? timeout = null)
    {
        var command = Command(args);
        if (stdin is not null) command = command.WithStandardInputPipe(PipeSource.FromString(stdin));

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var result = await command.ExecuteBufferedAsync(cts.Token);
        return new CliResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>
    /// Starts <c>pyfi</c> with <paramref name="args"/> and hands each line of its standard output to <paramref name="line"/>
    /// as it comes (for commands that go on, as <c>follow</c>); it ends by itself, is killed at <paramref name="kill"/>, or
    /// is interrupted (SIGINT, a terminal's Ctrl+C) at <paramref name="interrupt"/>.
    /// </summary>
    public async Task<CliResult> StartAsync(string[] args, Action<string> line, CancellationToken kill, CancellationToken interrupt)
    {
        var stderr = new System.Text.StringBuilder();
        try
        {
            // Started as from a terminal, with SIGINT at its default: a test run in the background (CI's, fresh-ci's) has
            // SIGINT ignored, children inherit that, and .NET keeps an inherited SIG_IGN, so Ctrl+C would never arrive
            // (SiloProcess does the same for silos it interrupts).
            var command = Command(args);
            var running = command
                .WithTargetFile("python3")
                .WithArguments(["-c", "import signal, os, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
                    .. TestEnvironment.CliCommand, .. args])
                .WithStandardOutputPipe(PipeTarget.ToDelegate(line))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
                .ExecuteAsync(kill);
            // SIGINT sent as a terminal does, so the tool's own exit code is seen (CliWrap's graceful cancellation hides it).
            await using var ctrlC = interrupt.Register(() => System.Diagnostics.Process.Start("kill", ["-INT", running.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit());
            var result = await running;
            return new CliResult(result.ExitCode, "", stderr.ToString());
        }
        catch (OperationCanceledException) when (kill.IsCancellationRequested)
        {
            return new CliResult(-9, "", stderr.ToString());
        }
    }

    private Command Command(string[] args)
    {
        FastTier.Refuse("the pyfi tool");
        var env = new Dictionary<string, string?>();
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("PYFI_", StringComparison.Ordinal)))
        {
            env[key] = null;
        }

        if (gateway is not null) env["PYFI_GATEWAY"] = gateway;
        if (token is not null) env["PYFI_TOKEN"] = token;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) env[key] = value;

        return CliWrap.Cli.Wrap(TestEnvironment.CliCommand[0])
            .WithArguments([.. TestEnvironment.CliCommand.Skip(1), .. args])
            .WithEnvironmentVariables(env)
            .WithWorkingDirectory(workingDirectory ?? Directory.GetCurrentDirectory())
            .WithValidation(CommandResultValidation.None);
    }

    /// <summary>Runs <c>pyfi</c> and asserts it succeeded.</summary>
    public async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"pyfi {string.Join(' ', args)} failed:\n{result}");
        return result;
    }

    /// <summary>The same tool with another token.</summary>
    public PyfiCli WithToken(string? other) => new(gateway, environment, other, workingDirectory);

    /// <summary>Splits a command line the simple way (no quoting): for readable tests.</summary>
    public Task<CliResult> RunAsync(string commandLine) => RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
