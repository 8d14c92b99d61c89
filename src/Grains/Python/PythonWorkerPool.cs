using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Pyfi.Grains.Code;

namespace Pyfi.Grains.Python;

/// <summary>
/// Warm workers on this host (of every runtime), by code (environment, runtime and module). A worker grain rents one while it
/// holds a core and gives it back when it lets the core go, so the next slot for the same code (any socket
/// of the processor) starts in microseconds instead of paying for a process start and an import. Workers
/// idle longer than <see cref="IdleLifetime"/> are stopped.
/// </summary>
public sealed partial class PythonWorkerPool : IAsyncDisposable, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long an unused worker is kept warm.</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(60);

    private readonly List<PythonWorker> _idle = [];

    // Every process started and not yet seen exited, rented or idle: a stopping silo stops them all.
    private readonly HashSet<PythonWorker> _live = [];
    private readonly Runtimes.WorkerRuntimes _runtimes;
    private readonly PyfiRuntimeOptions _options;
    private readonly ILogger<PythonWorkerPool> _logger;
    private readonly int _maxIdle;
    private readonly Timer _sweeper;

    // Set when the silo stops: no process is started after it.
    private volatile bool _stopping;

    /// <summary>Creates the pool; it keeps at most two idle workers per core.</summary>
    public PythonWorkerPool(Runtimes.WorkerRuntimes runtimes, IOptions<PyfiRuntimeOptions> options, ILogger<PythonWorkerPool> logger)
    {
        _runtimes = runtimes;
        _options = options.Value;
        _logger = logger;
        _maxIdle = Math.Max(2, _options.Cores * 2);
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
    }

    /// <summary>The limits of a worker whose processor asks for <paramref name="memory"/> bytes (<see langword="null"/>: this silo's default).</summary>
    public WorkerLimits LimitsFor(long? memory) => new(memory ?? _options.WorkerMemoryBytes, _options.MaxPayloadBytes);

    /// <summary>
    /// A running worker of <paramref name="runtime"/> for <paramref name="module"/> in <paramref name="environment"/> under
    /// <paramref name="limits"/> (<see cref="LimitsFor"/>): a warm one if there is one.
    /// </summary>
    /// <remarks>Throws <see cref="SiloStoppingException"/> once the silo stops: no process starts during a stop.</remarks>
    public async Task<PythonWorker> RentAsync(CodeEnvironment environment, ProcessorRuntime runtime, string module, WorkerLimits limits, CancellationToken cancellationToken = default)
    {
        if (_stopping) throw new SiloStoppingException();
        var key = PythonWorker.KeyOf(environment, runtime, module, limits);
        lock (_idle)
        {
            var warm = _idle.FindLastIndex(w => w.Key == key && !w.HasExited);
            if (warm >= 0)
            {
                var worker = _idle[warm];
                _idle.RemoveAt(warm);
                return worker;
            }
        }

        var launch = await _runtimes.For(runtime).LaunchAsync(environment, module, limits, cancellationToken);
        var started = await PythonWorker.StartAsync(launch, key, limits, _logger, cancellationToken);
        bool stopping;
        lock (_idle)
        {
            // The stop began while it started: it is not used.
            stopping = _stopping;
            if (!stopping) _live.Add(started);
        }

        if (stopping)
        {
            await started.DisposeAsync();
            throw new SiloStoppingException();
        }

        LogStarted(runtime, started.ProcessId, module, environment.Key);
        return started;
    }

    /// <summary>Takes a worker back, keeping it warm if it is alive and there is room.</summary>
    public void Return(PythonWorker worker)
    {
        if (!worker.HasExited)
        {
            lock (_idle)
            {
                if (_idle.Count < _maxIdle)
                {
                    _idle.Add(worker);
                    return;
                }
            }
        }

        _ = worker.DisposeAsync().AsTask();
    }

    /// <summary>No process is started from now on (the silo stops): <see cref="RentAsync"/> throws <see cref="SiloStoppingException"/>.</summary>
    public void StopStarting()
    {
        lock (_idle) _stopping = true;
    }

    /// <summary>Takes back, in every process, the calls written behind the one it runs (see <see cref="PythonWorker.WithdrawNotStarted"/>); returns how many.</summary>
    public int WithdrawNotStarted()
    {
        PythonWorker[] live;
        lock (_idle) live = [.. _live];
        return live.Sum(w => w.WithdrawNotStarted());
    }

    /// <summary>Kills every process at once, with what it started: the calls they run end as their process died.</summary>
    public async Task KillAllAsync()
    {
        PythonWorker[] live;
        lock (_idle) live = [.. _live];
        await Task.WhenAll(live.Select(w => w.KillAsync()));
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(PythonWorkerPool), ServiceLifecycleStage.RuntimeGrainServices, _ => Task.CompletedTask, async _ => await DisposeAsync());
        // When the silo stops, after the drain (SiloDrain, Active + 1) has let running calls end or cut them off:
        // what is left is idle.
        lifecycle.Subscribe($"{nameof(PythonWorkerPool)}.busy", ServiceLifecycleStage.Active, _ => Task.CompletedTask, _ => StopAllAsync());
    }

    private async Task StopAllAsync()
    {
        PythonWorker[] live;
        lock (_idle) live = [.. _live];
        await Task.WhenAll(live.Select(w => w.DisposeAsync().AsTask()));
    }

    /// <summary>Stops every idle worker.</summary>
    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        PythonWorker[] idle;
        lock (_idle)
        {
            idle = [.. _idle];
            _idle.Clear();
        }

        await Task.WhenAll(idle.Select(w => w.DisposeAsync().AsTask()));
    }

    private void Sweep()
    {
        var cutoff = DateTimeOffset.UtcNow - IdleLifetime;
        List<PythonWorker> expired;
        lock (_idle)
        {
            expired = _idle.Where(w => w.HasExited || w.LastUsed < cutoff).ToList();
            _idle.RemoveAll(expired.Contains);
            _live.RemoveWhere(w => w.HasExited);
        }

        foreach (var worker in expired) _ = worker.DisposeAsync().AsTask();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started {Runtime} worker {Pid} for {Module} ({Environment})")]
    private partial void LogStarted(ProcessorRuntime runtime, int pid, string module, string environment);
}

/// <summary>The silo is stopping: no Python process is started, so no attempt begins here.</summary>
public sealed class SiloStoppingException() : Exception("the silo is stopping");
