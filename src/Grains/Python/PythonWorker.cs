using CliWrap;
using CliWrap.Builders;
using Microsoft.Extensions.Logging;
using Pyfi.Grains.Code;

namespace Pyfi.Grains.Python;

// Long on purpose: one process's protocol as one state machine (start, requests written ahead, replies matched by
// id, violations, exit), which its pending-call list and lock must see whole.
/// <summary>
/// One long-lived worker process for one module at one commit, started through CliWrap and spoken to in JSON
/// lines (see <c>pyfi_worker.py</c>): a call costs a message, not a process start. The process is a Python worker,
/// a Node worker (<c>pyfi_worker.js</c>) or a bash supervisor (<c>pyfi_worker.py --scripts</c>), as its processor's
/// <see cref="Runtimes.IWorkerRuntime"/> launches it: they speak one protocol, so this class (named for the first
/// of them) serves all. The
/// process runs one call at a time, in the order written; a caller may write the next call before the last
/// one ended, so the process starts it the moment it replies instead of waiting for the silo.
/// </summary>
/// <remarks>
/// Each request carries a random id. The process says when it begins a request (a started line with its id), and
/// a reply is accepted only when it carries the id of the call the process is running, once: so the silo knows
/// which calls ran and which only waited in the process's stdin (those never count as attempts). Anything else on the protocol pipe (a line that is not a reply, a reply to
/// another request, a line longer than the result limit allows) stops the process with everything it started:
/// the call it was running fails (a started attempt), the calls behind it come back as not started. So a call
/// never receives another call's result, whatever the code in the process writes.
/// </remarks>
public sealed partial class PythonWorker : IAsyncDisposable
{
    private readonly TaskCompletionSource<Stream> _stdin = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<CallError?> _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _kill = new();
    private readonly ILogger _logger;

    // The calls written and not answered, in the order the process runs them: the first is running.
    private readonly Queue<PendingRequest> _pending = new();
    private CommandTask<CommandResult>? _process;

    // Set once the process broke the protocol or ended: no call is written to it any more.
    private PythonWorkerExitedException? _ended;

    // Set when the runtime said on stderr that it ran out of its memory limit (WorkerLaunch.OutOfMemoryLine).
    private readonly string? _outOfMemoryLine;
    private volatile bool _outOfMemory;

    private PythonWorker(string key, WorkerLimits limits, string? outOfMemoryLine, ILogger logger)
    {
        _outOfMemoryLine = outOfMemoryLine;
        Key = key;
        Limits = limits;
        _logger = logger;
    }

    /// <summary>Which code this process runs, under which limits: the environment key, the module and the memory limit.</summary>
    public string Key { get; }

    /// <summary>What the process may use.</summary>
    public WorkerLimits Limits { get; }

    /// <summary>The process id.</summary>
    public int ProcessId { get; private set; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process?.Task.IsCompleted ?? true;

    /// <summary>When it last finished a call (or started).</summary>
    public DateTimeOffset LastUsed { get; private set; } = DateTimeOffset.UtcNow;

    /// <summary>The key of a worker for <paramref name="module"/> of <paramref name="runtime"/> in <paramref name="environment"/> under <paramref name="limits"/>.</summary>
    public static string KeyOf(CodeEnvironment environment, ProcessorRuntime runtime, string module, WorkerLimits limits) =>
        runtime == ProcessorRuntime.Python ? $"{environment.Key}/{module}/{limits.MemoryBytes}" : $"{environment.Key}/{runtime}:{module}/{limits.MemoryBytes}";

    /// <summary>
    /// Starts a worker with <paramref name="launch"/> (from the processor's <see cref="Runtimes.IWorkerRuntime"/>) and
    /// waits until it has loaded its module. Throws <see cref="DeploymentException"/> when the module cannot be
    /// loaded, and <see cref="PythonWorkerExitedException"/> when the process dies first or breaks the protocol.
    /// </summary>
    public static async Task<PythonWorker> StartAsync(Runtimes.WorkerLaunch launch, string key, WorkerLimits limits, ILogger logger, CancellationToken cancellationToken)
    {
        var worker = new PythonWorker(key, limits, launch.OutOfMemoryLine, logger);

        // Requests are written straight to the process's stdin by the caller.
        var stdin = PipeSource.Create(async (destination, _) =>
        {
            worker._stdin.TrySetResult(destination);
            await worker._closed.Task;
        });

        worker._process = Cli.Wrap(launch.Program)
            .WithArguments(launch.Arguments)
            .WithWorkingDirectory(launch.WorkingDirectory)
            .WithEnvironmentVariables(HideSettings)
            .WithStandardInputPipe(stdin)
            .WithStandardOutputPipe(WorkerPipes.Lines("pyfi-worker-out", limits.ReplyLineLimit, worker.OnReply, worker.OnReplyTooLong))
            .WithStandardErrorPipe(WorkerPipes.Lines("pyfi-worker-err", 16 * 1024, worker.OnStandardError))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(worker._kill.Token);
        worker.ProcessId = worker._process.ProcessId;
        _ = worker._process.Task.ContinueWith(t => worker.OnExited(t), TaskScheduler.Default);

        CallError? importError;
        try
        {
            importError = await worker._handshake.Task.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        if (importError is not null)
        {
            await worker.DisposeAsync();
            throw new DeploymentException($"{launch.LoadFailure}: {importError}");
        }

        return worker;
    }

    // The silo's own settings (PYFI_POSTGRES holds the database's password) are not the processor's business.
    private static void HideSettings(EnvironmentVariablesBuilder variables)
    {
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("PYFI", StringComparison.OrdinalIgnoreCase)) variables.Set(name, null);
        }
    }

    /// <summary>
    /// Runs <paramref name="function"/> after the calls written before it, and returns its reply. The time limit
    /// counts from when the process starts this call. Throws <see cref="TimeoutException"/> (the process is
    /// killed) past <paramref name="timeout"/>, and <see cref="PythonWorkerExitedException"/> when the process
    /// dies or is stopped (its <see cref="PythonWorkerExitedException.Started"/> says whether this call had begun).
    /// <paramref name="onStarted"/> is called (on the thread reading the process's output) when the process begins the
    /// call; a call it never began gets a reply with <see cref="PythonReply.Started"/> false, or a not-started failure.
    /// </summary>
    public async Task<PythonReply> CallAsync(string function, string args, string? kwargs, TimeSpan? timeout, CancellationToken cancellationToken = default, Action? onStarted = null)
    {
        if (HasExited) throw new PythonWorkerExitedException("the worker process has exited", started: false);
        var stdin = await _stdin.Task;
        var pending = new PendingRequest { OnStarted = onStarted };
        try
        {
            // Queued and written under one lock: the queue's order is the order the process reads them in.
            lock (_pending)
            {
                if (_ended is { } ended) throw ended.NotStarted();
                pending.Id = NewId();
                _pending.Enqueue(pending);
                stdin.Write(WorkerProtocol.Request(pending.Id, function, args, kwargs));
                stdin.Flush();
            }
        }
        catch (IOException)
        {
            Fail(new PythonWorkerExitedException("the worker process has exited", started: false));
        }

        // Cancelled: a call that runs is stopped with its process; one still behind another is taken back.
        await using var cancel = cancellationToken.Register(() => Cancel(stdin, pending));
        var reply = timeout is { } limit ? await ReplyWithinAsync(pending, limit) : await pending.Reply.Task;
        LastUsed = DateTimeOffset.UtcNow;
        return reply;
    }

    // Random, so that a line the code writes cannot name a request by accident; unique among those pending
    // (called under the lock). 53 bits: exact in any JSON reader.
    private long NewId()
    {
        while (true)
        {
            var id = Random.Shared.NextInt64(1, 1L << 53);
            if (!_pending.Any(p => p.Id == id)) return id;
        }
    }

    // Waits for the reply, the limit counting from the call's start; a call still behind another waits on.
    private async Task<PythonReply> ReplyWithinAsync(PendingRequest pending, TimeSpan limit)
    {
        while (true)
        {
            var started = Volatile.Read(ref pending.Started);
            var left = started == 0 ? limit : limit - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (left <= TimeSpan.Zero) break;
            try
            {
                return await pending.Reply.Task.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Look again: the call may have started after the wait began.
            }
        }

        await KillAsync();
        throw new TimeoutException($"the call ran longer than {limit}");
    }

    // A call not begun is told to the process to skip (if the process begins it meanwhile, its started line finds
    // the cancel and the process is killed); a call running is stopped with its process.
    private void Cancel(Stream stdin, PendingRequest pending)
    {
        lock (_pending)
        {
            if (pending.Reply.Task.IsCompleted) return;
            if (Volatile.Read(ref pending.Started) == 0 && !HasExited)
            {
                pending.CancelRequested = true;
                TrySkip(stdin, pending);
                return;
            }
        }

        Kill();
    }

    /// <summary>
    /// Takes back every call written to the process that it has not begun: the process answers each as cancelled
    /// without running it (its reply says it never started). A call the process begins meanwhile runs on. Returns
    /// how many were taken back.
    /// </summary>
    public int WithdrawNotStarted()
    {
        if (!_stdin.Task.IsCompletedSuccessfully) return 0;
        var stdin = _stdin.Task.Result;
        var withdrawn = 0;
        lock (_pending)
        {
            if (_ended is not null || HasExited) return 0;
            foreach (var pending in _pending)
            {
                if (Volatile.Read(ref pending.Started) != 0 || pending.Withdrawn) continue;
                pending.Withdrawn = true;
                if (TrySkip(stdin, pending)) withdrawn++;
            }
        }

        return withdrawn;
    }

    /// <summary>Whether the process runs a call now (it has begun one and not answered it).</summary>
    public bool IsRunningACall
    {
        get
        {
            lock (_pending) return _pending.TryPeek(out var first) && Volatile.Read(ref first.Started) != 0;
        }
    }

    // Called under the lock.
    private static bool TrySkip(Stream stdin, PendingRequest pending)
    {
        try
        {
            stdin.Write(WorkerProtocol.Cancel(pending.Id));
            stdin.Flush();
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process is going: it will not run the call.
            return false;
        }
    }

    /// <summary>Kills the process and everything it started, at once.</summary>
    public async Task KillAsync()
    {
        Kill();
        if (_process is not null) await ((Task)_process.Task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Kill()
    {
        if (_process is not null && !HasExited) ProcessTree.Kill(ProcessId);
        try
        {
            _kill.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed: the process has ended.
        }
    }

    /// <summary>Closes stdin so the worker ends by itself (and ends what it started); kills it if it lingers.</summary>
    public async ValueTask DisposeAsync()
    {
        _closed.TrySetResult();
        if (_process is not null)
        {
            try
            {
                await _process.Task.WaitAsync(TimeSpan.FromSeconds(3));
            }
            catch (Exception)
            {
                await KillAsync();
            }
        }

        _kill.Dispose();
    }

    private void OnReply(ReadOnlyMemory<byte> line)
    {
        if (!_handshake.Task.IsCompleted)
        {
            if (WorkerProtocol.TryReadHello(line, out var importError)) _handshake.TrySetResult(importError);
            else Violate($"the worker wrote a line that is not its greeting ({WorkerProtocol.Preview(line)})");
            return;
        }

        if (WorkerProtocol.TryReadStarted(line.Span, out var startedId))
        {
            OnStarted(startedId);
            return;
        }

        if (!WorkerProtocol.TryReadReply(line, out var id, out var reply))
        {
            Violate($"the worker wrote a line that is not a reply ({WorkerProtocol.Preview(line)}) on its protocol pipe; it was stopped");
            return;
        }

        PendingRequest? done;
        lock (_pending)
        {
            // Only the running call's reply is accepted, once: it leaves the queue with it.
            if (_ended is not null || !_pending.TryPeek(out done) || done.Id != id) done = null;
            else _pending.Dequeue();
        }

        if (done is null) Violate("the worker wrote a reply to a request it was not running; it was stopped");
        else done.Reply.TrySetResult(Volatile.Read(ref done.Started) != 0 ? reply with { Started = true } : reply);
    }

    // The process begins the first call in line: only that one, once.
    private void OnStarted(long id)
    {
        PendingRequest? first;
        lock (_pending)
        {
            if (_ended is not null || !_pending.TryPeek(out first) || first.Id != id || first.Started != 0) first = null;
            else Volatile.Write(ref first.Started, Environment.TickCount64);
        }

        if (first is null)
        {
            Violate("the worker said it began a request that was not next in line; it was stopped");
            return;
        }

        if (first.CancelRequested)
        {
            // Cancelled while the process was taking it up: it is stopped like a running call.
            Kill();
            return;
        }

        first.OnStarted?.Invoke();
    }

    private void OnReplyTooLong() => Violate(
        $"the worker's reply is longer than {ByteSize.Format(Limits.ReplyLineLimit)}: the result is larger than PYFI_MAX_PAYLOAD ({ByteSize.Format(Limits.MaxPayloadBytes)}); the worker was stopped",
        FailureKinds.ResultTooLarge);

    // Stops the process and everything it started; the call it was running fails with kind, the rest come back not started.
    private void Violate(string message, FailureKind? kind = null)
    {
        var error = new PythonWorkerExitedException(message, started: true, kind ?? FailureKinds.WorkerProtocolViolation);
        lock (_pending)
        {
            if (_ended is not null || HasExited) return;

            // The calls fail with this error before the process's end can fail them as merely died.
            Fail(error);
        }

        _handshake.TrySetException(error);
        LogViolation(ProcessId, message);
        Kill();
    }

    // Every call not answered fails: the one the process was running (the first) as started, the rest not;
    // and none is written to the process after.
    private void Fail(PythonWorkerExitedException error)
    {
        PendingRequest[] failed;
        lock (_pending)
        {
            _ended ??= error;
            failed = [.. _pending];
            _pending.Clear();
        }

        foreach (var pending in failed)
        {
            pending.Reply.TrySetException(error.Started && Volatile.Read(ref pending.Started) != 0 ? error : error.NotStarted());
        }
    }

    private void OnStandardError(ReadOnlyMemory<byte> line)
    {
        if (_outOfMemoryLine is not null && System.Text.Encoding.UTF8.GetString(line.Span).Contains(_outOfMemoryLine, StringComparison.Ordinal)) _outOfMemory = true;
        if (_logger.IsEnabled(LogLevel.Debug)) LogWorkerOutput(ProcessId, System.Text.Encoding.UTF8.GetString(line.Span));
    }

    private void OnExited(Task<CommandResult> process)
    {
        _closed.TrySetResult();
        var how = process.IsCompletedSuccessfully ? $"exit code {process.Result.ExitCode}" : "killed";
        var error = _outOfMemory
            ? new PythonWorkerExitedException(
                $"the call needed more memory than the worker's limit of {ByteSize.Format(Limits.MemoryBytes)} (the processor's --memory, else PYFI_WORKER_MEMORY); the worker ended",
                started: true, FailureKinds.MemoryLimitExceeded)
            : new PythonWorkerExitedException($"the worker process {ProcessId} ended ({how})", started: true);
        _handshake.TrySetException(error);
        Fail(error);
        LogExited(ProcessId, how);

        // A worker that died without its own clean-up (killed, os._exit) may have left processes running in its group.
        ProcessTree.KillOrphans(ProcessId);
    }

    private sealed class PendingRequest
    {
        public readonly TaskCompletionSource<PythonReply> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // The request's id, which its reply must carry.
        public long Id;

        // Environment.TickCount64 when the process said it began this call; 0 before.
        public long Started;

        // Called when the process begins the call.
        public Action? OnStarted;

        // Cancelled before the process began it: if it begins it anyway, the process is killed.
        public bool CancelRequested;

        // Taken back (the silo is stopping): the process skips it unless it has begun it.
        public bool Withdrawn;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {Pid}: {Line}")]
    private partial void LogWorkerOutput(int pid, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {Pid} ended ({How})")]
    private partial void LogExited(int pid, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Pid} stopped: {Reason}")]
    private partial void LogViolation(int pid, string reason);
}
