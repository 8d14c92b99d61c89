using CliWrap;
using CliWrap.Buffered;

namespace Pyfi.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium (test.sh installs the <c>chromium</c> package): a page as a browser renders it,
/// after its scripts ran, as DOM text or as a PNG.
/// </summary>
public static class Chromium
{
    private const string Program = "/usr/bin/chromium";

    /// <summary>The page's DOM after <paramref name="budget"/> of (virtual) time for its scripts.</summary>
    public static async Task<string> RenderAsync(Uri page, TimeSpan budget) =>
        (await RunAsync(page, budget, "--dump-dom")).StandardOutput;

    /// <summary>Saves a 1400×900 screenshot of the page to <paramref name="png"/>.</summary>
    public static Task ScreenshotAsync(Uri page, TimeSpan budget, string png) =>
        RunAsync(page, budget, $"--screenshot={png}");

    private static async Task<BufferedCommandResult> RunAsync(Uri page, TimeSpan budget, string output)
    {
        FastTier.Refuse("chromium");
        if (!File.Exists(Program)) throw new InvalidOperationException($"{Program} is missing: ./test.sh installs Debian's chromium package");
        using var profile = new TempDirectory("pyfi-chromium");
        var result = await CliWrap.Cli.Wrap(Program)
            .WithArguments([
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", $"--user-data-dir={profile.Path}",
                "--window-size=1400,900", $"--virtual-time-budget={(int)budget.TotalMilliseconds}", output, page.ToString(),
            ])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        if (result.ExitCode != 0) throw new InvalidOperationException($"chromium exited {result.ExitCode}:\n{result.StandardError}");
        return result;
    }
}
