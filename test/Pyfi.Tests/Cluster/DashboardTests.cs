using System.Text.Json;
using System.Text.RegularExpressions;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// The Orleans Dashboard, served by a silo on <c>PYFI_DASHBOARD_PORT</c> (localhost by default), as a browser shows
/// it. The screenshot it takes is the README's (<c>docs/images/dashboard.png</c>): it is written to
/// <c>PYFI_TEST_ARTIFACTS</c> (test.sh: <c>artifacts/test</c>).
/// </summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task ASiloServesTheDashboardOnLocalhostAndABrowserShowsTheClustersSilos()
    {
        await using var network = await PostgresNetwork.CreateAsync("dash");
        var port = FreePorts.Take(1)[0];
        var a = await network.StartSiloAsync(new Dictionary<string, string> { ["PYFI_DASHBOARD_PORT"] = port.ToString() });
        await network.StartSiloAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var viewer = (await network.Cli(a).OkAsync("token", "create", "-n", "screen", "--role", "viewer")).Stdout.Trim();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viewer);

        var page = await http.GetAsync("");
        var html = await page.Content.ReadAsStringAsync();
        JsonElement hosts = default;
        await Poll.UntilAsync(async () =>
        {
            using var counters = JsonDocument.Parse(await http.GetStringAsync("DashboardCounters"));
            hosts = counters.RootElement.GetProperty("hosts").Clone();
            return Count(hosts) == 2;
        }, TimeSpan.FromSeconds(30), "the dashboard to count both silos");

        // What a browser shows once the page's scripts ran: the overview counts both silos. The browser signs in with
        // HTTP Basic authentication, the token as the password, and sends it with each of the page's requests.
        var dashboard = new Uri($"http://pyfi:{viewer}@127.0.0.1:{port}/");
        var rendered = Regex.Replace(Regex.Replace(await Chromium.RenderAsync(dashboard, TimeSpan.FromSeconds(6)), "<[^>]+>", " "), @"\s+", " ");
        var screenshot = Path.Combine(Environment.GetEnvironmentVariable("PYFI_TEST_ARTIFACTS") is { Length: > 0 } artifacts ? artifacts : network.DataOf(a), "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await Chromium.ScreenshotAsync(dashboard, TimeSpan.FromSeconds(6), screenshot);

        Assert.True(page.IsSuccessStatusCode, $"GET / gave {(int)page.StatusCode}");
        Assert.Contains("Active Silos 2", rendered);
        Assert.Contains("Total Activations", rendered);
        Assert.Equal((1400, 900), PngSize(screenshot));
        Assert.True(new FileInfo(screenshot).Length > 20_000, "a dashboard screenshot is more than a blank page");
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, Count(hosts));
        Assert.Contains($"dashboard http://127.0.0.1:{port}/", a.Output);
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync($"http://{ExternalAddress()}:{port}/"));
    }

    // A PNG's width and height, from its IHDR chunk (bytes 16-23, big-endian).
    private static (int Width, int Height) PngSize(string png)
    {
        var header = File.ReadAllBytes(png).AsSpan(0, 24);
        Assert.True(header[1..4].SequenceEqual("PNG"u8), $"{png} is not a PNG");
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[16..]), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[20..]));
    }

    private static int Count(JsonElement hosts) => hosts.ValueKind == JsonValueKind.Array ? hosts.GetArrayLength() : hosts.EnumerateObject().Count();

    // An address of this machine other than loopback: the dashboard must not answer there unless told to.
    private static string ExternalAddress() =>
        System.Net.Dns.GetHostAddresses(System.Net.Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a))?.ToString()
        ?? "192.0.2.1";
}
