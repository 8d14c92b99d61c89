using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Security;

/// <summary>The silo's web port (dashboard and metrics) asks for a token unless it is told the port is public.</summary>
public sealed class WebAccessTests
{
    [Fact]
    public async Task TheDashboardAndMetricsAnswerOnlyARequestWithAToken()
    {
        using var data = new TempDirectory("pyfi-web");
        var port = FreePorts.Take(1)[0];
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string> { ["PYFI_DASHBOARD_PORT"] = port.ToString() });
        var viewer = (await silo.Cli().OkAsync("token", "create", "-n", "grafana", "--role", "viewer")).Stdout.Trim();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        using var anonymous = await http.GetAsync("metrics");
        using var state = await http.GetAsync("GrainState?grainId=x");
        using var wrong = await Get(http, "metrics", new AuthenticationHeaderValue("Bearer", viewer[..^3] + "abc"));
        using var bearer = await Get(http, "metrics", new AuthenticationHeaderValue("Bearer", viewer));
        using var basic = await Get(http, "", new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"anyone:{viewer}"))));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic realm=\"pyfi\", charset=\"UTF-8\"", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal("not authenticated: no token given (use --token, PYFI_TOKEN or PYFI_TOKEN_FILE)\n", await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, state.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Contains("# TYPE", await bearer.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, basic.StatusCode);
        Assert.Contains("Refused to read metrics for a caller without a valid token from web client 127.0.0.1", silo.Output);
    }

    [Fact]
    public async Task APublicWebPortAnswersWithoutAToken()
    {
        using var data = new TempDirectory("pyfi-web-public");
        var port = FreePorts.Take(1)[0];
        await using var silo = await SiloProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["PYFI_DASHBOARD_PORT"] = port.ToString(),
            ["PYFI_DASHBOARD_PUBLIC"] = "true",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };

        using var metrics = await http.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    private static Task<HttpResponseMessage> Get(HttpClient http, string path, AuthenticationHeaderValue authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = authorization } };
        return http.SendAsync(request);
    }
}
