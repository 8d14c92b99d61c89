using Microsoft.Extensions.Options;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Pyfi.Grains.Telemetry;

namespace Pyfi.Grains.Workers;

/// <summary>
/// Reports this silo to the slot ledger: the cores it offers (<c>PYFI_CORES</c>) and its host, which placement
/// needs, and how the machine, the silo and its worker slots are, which <c>pyfi ls nodes/agents/workers</c>
/// show. Sent as the silo becomes active and every two seconds (so a ledger activated elsewhere learns it again).
/// </summary>
internal sealed partial class NodeReporter(
    IGrainFactory grains, ILocalSiloDetails silo, IOptions<PyfiRuntimeOptions> settings, LocalWorkers workers, PyfiMetrics metrics, SiloDrain drain, TimeProvider time, ILogger<NodeReporter> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly PyfiRuntimeOptions _options = settings.Value;

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private Timer? _timer;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(NodeReporter), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReportAsync();
        _timer = new Timer(_ => ReportAsync().Ignore(), null, Period, Period);

        // A stopping silo offers no core from its first moment: no slot is placed here any more.
        drain.Stopping.Register(() => ReportAsync().Ignore());
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null) await _timer.DisposeAsync();
    }

    private async Task ReportAsync()
    {
        try
        {
            var address = silo.SiloAddress.ToString();
            var (total, available) = Memory();
            var now = time.GetUtcNow();
            var report = new AgentInfo
            {
                Silo = address,
                Host = _options.HostName,
                Cores = drain.IsStopping ? 0 : _options.Cores,
                Processors = Environment.ProcessorCount,
                MemoryMb = total,
                MemoryAvailableMb = available,
                Load = Load(),
                SiloMemoryMb = Environment.WorkingSet / (1024 * 1024),
                Started = _started,
                Reported = now,
                Workers = [.. workers.Snapshot(address, _options.HostName)],
                Sockets = metrics.Snapshot(),
                ExecutedSeconds = workers.ExecutedSeconds(now),
            };
            await grains.GetGrain<ISlotLedgerGrain>(0).ReportSiloAsync(silo.SiloAddress, report);
        }
        catch (Exception e)
        {
            LogReportFailed(e);
        }
    }

    // /proc/meminfo (Linux): MemTotal and MemAvailable in kB; elsewhere what the GC knows.
    private static (long Total, long Available) Memory()
    {
        try
        {
            var fields = File.ReadLines("/proc/meminfo")
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            return (fields["MemTotal"] / 1024, fields.GetValueOrDefault("MemAvailable", fields["MemTotal"]) / 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or KeyNotFoundException or FormatException)
        {
            var total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
            return (total, total);
        }
    }

    // /proc/loadavg (Linux): the one-minute load average; 0 where it cannot be read.
    private static double Load()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report this silo to the slot ledger")]
    private partial void LogReportFailed(Exception exception);
}
