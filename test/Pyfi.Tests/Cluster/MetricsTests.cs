using System.Globalization;
using System.Text.Json;
using Pyfi.Tests.Infrastructure;

namespace Pyfi.Tests.Cluster;

/// <summary>
/// Pyfi's metrics on a real silo running real Python: the Prometheus scrape endpoint (<c>/metrics</c>, beside the
/// dashboard) and <c>pyfi top</c>, which shows the same counts, as calls succeed, fail, are retried, are cancelled
/// and wait in a queue.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("pyfi-metrics");
    private readonly TempDirectory _scratch = new("pyfi-metrics-scratch");
    private GitRepository _repository = null!;
    private SiloProcess _silo = null!;
    private PyfiCli _cli = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var port = FreePorts.Take(1)[0];
        _repository = await GitRepository.CreateAsync(SampleCode.Files());
        _silo = await SiloProcess.StartAsync(_data.Path, new Dictionary<string, string> { ["PYFI_CORES"] = "2", ["PYFI_DASHBOARD_PORT"] = port.ToString(CultureInfo.InvariantCulture) });
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        // Prometheus scrapes with a token of its own (any role), as `authorization: credentials` in its configuration.
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _silo.AdminToken);
        _cli = _silo.Cli();
        await SampleCode.AddAsync(_cli, _repository);
        await SampleCode.AddSocketsAsync(_cli, "noop", "fail", "flaky", "sleepy");

        // The cancelled call has a socket of its own: cut off after however long the cancel takes under load, its
        // execution would land in any bucket of sleepy's histogram.
        await _cli.OkAsync("add", "socket", "-n", "hang", "-q", "q", "-pn", "sample", "-t", "sleepy", "-c", "1");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _silo.DisposeAsync();
        _repository.Dispose();
        _scratch.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task CallsAreCountedPerSocketInPrometheusAndPyfiTopShowsTheSameWithQueueDepthAndUtilization()
    {
        // 12 calls of noop that succeed; one of fail with 2 attempts (1 retry, then failed); one of flaky that fails
        // twice and succeeds on its third attempt (2 retries); one call of hang cancelled.
        for (var i = 0; i < 12; i++) await _cli.OkAsync("task", "run", "-s", "noop", "-d", i.ToString(CultureInfo.InvariantCulture));
        var failed = await _cli.RunAsync(["task", "run", "-s", "fail", "-d", "1", "--max-attempts", "2"]);
        Assert.Equal(1, failed.ExitCode);
        var counter = Path.Combine(_scratch.Path, "flaky");
        await _cli.OkAsync("task", "run", "-s", "flaky", "-d", $"('{counter}', 2)", "--max-attempts", "3");
        var cancelled = (await _cli.OkAsync("task", "run", "-s", "hang", "-d", "60", "--no-wait")).Stdout.Trim();
        await _cli.OkAsync("task", "cancel", "--id", cancelled);

        // A backlog: 8 calls of 4 s on 2 slots (4 handed over, the rest queued), submitted at once.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _cli.OkAsync("task", "run", "-s", "sleepy", "-d", "4", "--no-wait")));
        Dictionary<string, double> scraped = [];
        await Poll.UntilAsync(async () =>
        {
            scraped = Parse(await _http.GetStringAsync("metrics"));
            return scraped.GetValueOrDefault("pyfi_socket_queued{socket=\"sleepy\"}") >= 1;
        }, TimeSpan.FromSeconds(30), "/metrics to show sleepy's queue");
        // One run of the tool at a time looks for both, each kept from the first frame that shows it (looked for one
        // after the other, on a busy host the backlog could be done before the second look began).
        JsonElement? backlogFrame = null, busyFrame = null;
        await PollTopAsync(frame =>
        {
            if (backlogFrame is null && Socket(frame, "sleepy") is { } sleepy && sleepy.GetProperty("queued").GetInt32() >= 1) backlogFrame = frame;
            if (busyFrame is null && frame.GetProperty("utilization").GetDouble() >= 0.3) busyFrame = frame;
            return backlogFrame is not null && busyFrame is not null;
        }, "pyfi top to show sleepy's queue and the slots busy");
        var (backlog, busy) = (backlogFrame!.Value, busyFrame!.Value);
        await Poll.UntilAsync(async () =>
        {
            scraped = Parse(await _http.GetStringAsync("metrics"));
            return scraped.GetValueOrDefault("pyfi_calls_succeeded_total{socket=\"sleepy\"}") == 8;
        }, TimeSpan.FromSeconds(60), "the backlog to be done");
        var after = await PollTopAsync(s => Socket(s, "sleepy")?.GetProperty("succeeded").GetInt64() == 8, "pyfi top to count the backlog done");
        var table = await _cli.OkAsync("top", "-n", "1");
        var badInterval = await _cli.RunAsync(["top", "-i", "0"]);

        Assert.Equal(12, scraped["pyfi_calls_submitted_total{socket=\"noop\"}"]);
        Assert.Equal(12, scraped["pyfi_calls_succeeded_total{socket=\"noop\"}"]);
        Assert.Equal(12, scraped["pyfi_call_execution_seconds_count{socket=\"noop\"}"]);
        Assert.Equal(1, scraped["pyfi_calls_failed_total{socket=\"fail\"}"]);
        Assert.Equal(1, scraped["pyfi_calls_retried_total{socket=\"fail\"}"]);
        Assert.Equal(2, scraped["pyfi_calls_retried_total{socket=\"flaky\"}"]);
        Assert.Equal(1, scraped["pyfi_calls_succeeded_total{socket=\"flaky\"}"]);
        Assert.Equal(1, scraped["pyfi_calls_cancelled_total{socket=\"hang\"}"]);
        Assert.Equal(8, scraped["pyfi_calls_submitted_total{socket=\"sleepy\"}"]);
        Assert.Equal(0, scraped["pyfi_socket_queued{socket=\"sleepy\"}"]);
        Assert.Equal(2, scraped["pyfi_slots_capacity"]);
        // 8 executions of 4 s fall between the buckets up to 2.5 s and up to 5 s (Prometheus buckets are cumulative).
        var upTo5 = scraped["pyfi_call_execution_seconds_bucket{socket=\"sleepy\",le=\"5\"}"];
        Assert.Equal(8, upTo5 - scraped["pyfi_call_execution_seconds_bucket{socket=\"sleepy\",le=\"2.5\"}"]);
        Assert.Equal(upTo5, scraped["pyfi_call_execution_seconds_count{socket=\"sleepy\"}"]);
        Assert.InRange(scraped["pyfi_call_execution_seconds_sum{socket=\"sleepy\"}"], 8 * 3.9, 8 * 5.0);

        var sleepyBacklog = Socket(backlog, "sleepy")!.Value;
        Assert.InRange(sleepyBacklog.GetProperty("queued").GetInt32() + sleepyBacklog.GetProperty("inFlight").GetInt32(), 1, 8);
        Assert.Equal(2, busy.GetProperty("cores").GetInt32());
        var done = Socket(after, "sleepy")!.Value;
        Assert.Equal(0, done.GetProperty("queued").GetInt32());
        Assert.Equal(1, Socket(after, "hang")!.Value.GetProperty("cancelled").GetInt64());
        Assert.Equal(12, Socket(after, "noop")!.Value.GetProperty("succeeded").GetInt64());
        Assert.Equal(1, Socket(after, "fail")!.Value.GetProperty("failed").GetInt64());
        Assert.Equal(3, after.GetProperty("sockets").EnumerateArray().Sum(s => s.GetProperty("retried").GetInt64()));
        foreach (var column in new[] { "Socket", "Queued", "Succeeded/s", "p95", "Utilization", "noop", "sleepy" }) Assert.Contains(column, table.Stdout);
        Assert.Equal(2, badInterval.ExitCode); // a flag value out of its range is a usage error
        Assert.Contains("--interval", badInterval.Stderr);
    }

    // Runs `pyfi top -n 1 --json` until a frame satisfies the condition; returns that frame.
    private async Task<JsonElement> PollTopAsync(Func<JsonElement, bool> condition, string what)
    {
        JsonElement frame = default;
        await Poll.UntilAsync(async () =>
        {
            frame = JsonDocument.Parse((await _cli.OkAsync("top", "-n", "1", "--json")).Stdout).RootElement.Clone();
            return condition(frame);
        }, TimeSpan.FromSeconds(60), what);
        return frame;
    }

    private static JsonElement? Socket(JsonElement frame, string name) =>
        frame.GetProperty("sockets").EnumerateArray().Where(s => s.GetProperty("socket").GetString() == name).Select(s => (JsonElement?)s).FirstOrDefault();

    // Prometheus text: "name{labels} value" per line, '#' lines are comments. The scope label every Pyfi series
    // carries is dropped, so a series reads e.g. pyfi_calls_submitted_total{socket="noop"}.
    private static Dictionary<string, double> Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            var name = line[..space].Replace("otel_scope_name=\"Pyfi\",", "").Replace("{otel_scope_name=\"Pyfi\"}", "");
            series[name] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return series;
    }
}
