using System.Text;
using System.Text.Json;
using CliWrap;
using Microsoft.Extensions.Logging;
using Pyfi.Grains.Code;

namespace Pyfi.Grains.Python;

/// <summary>
/// One long-lived Python process running <c>pyfi_worker.py</c> for one module at one commit, started through
/// CliWrap and spoken to in JSON lines (see the script): a call costs a message, not a process start. The
/// process runs one call at a time, in the order written; a caller may write the next call before the last
/// one ended, so the process starts it the moment it replies instead of waiting for the silo.
/// </summary>
public sealed partial class PythonWorker : IAsyncDisposable
{
    // Every reply Python can write is read (a document is read without recursion), however deep its result.
    private static readonly JsonDocumentOptions ReplyOptions = new() { MaxDepth = PyfiLimits.MaxResultDepth + 2 };

    private readonly TaskCompletionSource<Stream> _stdin = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonElement> _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _kill = new();
    private readonly ILogger _logger;
    private readonly Queue<PendingRequest> _pending = new();
    private CommandTask<CommandResult>? _process;
    private long _nextId;

    private PythonWorker(string key, ILogger logger)
    {
        Key = key;
        _logger = logger;
    }

    /// <summary>Which code this process runs: the environment key and the module.</summary>
    public string Key { get; }

    /// <summary>The process id.</summary>
    public int ProcessId { get; private set; }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process?.Task.IsCompleted ?? true;

    /// <summary>When it last finished a call (or started).</summary>
    public DateTimeOffset LastUsed { get; private set; } = DateTimeOffset.UtcNow;

    /// <summary>The key of a worker for <paramref name="module"/> in <paramref name="environment"/>.</summary>
    public static string KeyOf(CodeEnvironment environment, string module) => $"{environment.Key}/{module}";

    /// <summary>
    /// Starts a worker and waits until it has imported <paramref name="module"/>. Throws
    /// <see cref="DeploymentException"/> when the module cannot be imported, and
    /// <see cref="PythonWorkerExitedException"/> when the process dies first.
    /// </summary>
    public static async Task<PythonWorker> StartAsync(CodeEnvironment environment, string module, string script, ILogger logger, CancellationToken cancellationToken)
    {
        var worker = new PythonWorker(KeyOf(environment, module), logger);

        // Requests are written straight to the process's stdin by the caller; replies and stderr are read by
        // threads of their own, blocking in read(): a call costs no thread-pool hop, and many workers cannot
        // starve the pool.
        var stdin = PipeSource.Create(async (destination, _) =>
        {
            worker._stdin.TrySetResult(destination);
            await worker._closed.Task;
        });

        worker._process = Cli.Wrap(environment.Python)
            .WithArguments(["-u", "-X", "utf8", script, module, environment.CheckoutPath])
            .WithWorkingDirectory(environment.CheckoutPath)
            .WithEnvironmentVariables(e => e.Set("PYTHONDONTWRITEBYTECODE", "1").Set("PYTHONUNBUFFERED", "1"))
            .WithStandardInputPipe(stdin)
            .WithStandardOutputPipe(LinesOnOwnThread(worker.OnReply, "pyfi-worker-out"))
            .WithStandardErrorPipe(LinesOnOwnThread(worker.OnStandardError, "pyfi-worker-err"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(worker._kill.Token);
        worker.ProcessId = worker._process.ProcessId;
        _ = worker._process.Task.ContinueWith(t => worker.OnExited(t), TaskScheduler.Default);

        JsonElement hello;
        try
        {
            hello = await worker._handshake.Task.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        if (!hello.GetProperty("ready").GetBoolean())
        {
            await worker.DisposeAsync();
            var error = ErrorOf(hello.GetProperty("error"));
            throw new DeploymentException($"module '{module}' cannot be imported: {error}");
        }

        return worker;
    }

    /// <summary>
    /// Runs <paramref name="function"/> after the calls written before it, and returns its reply. The time limit
    /// counts from when the process starts this call. Throws <see cref="TimeoutException"/> (the process is
    /// killed) past <paramref name="timeout"/>, and <see cref="PythonWorkerExitedException"/> when the process
    /// dies (its <see cref="PythonWorkerExitedException.Started"/> says whether this call had begun).
    /// </summary>
    public async Task<PythonReply> CallAsync(string function, string args, string? kwargs, TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        if (HasExited) throw new PythonWorkerExitedException("the worker process has exited", started: false);
        var stdin = await _stdin.Task;
        var id = Interlocked.Increment(ref _nextId);
        var request = new StringBuilder(64 + args.Length + (kwargs?.Length ?? 0))
            .Append("{\"id\":").Append(id)
            .Append(",\"function\":").Append(JsonSerializer.Serialize(function, PythonJsonContext.Default.String))
            .Append(",\"args\":").Append(args);
        if (kwargs is not null) request.Append(",\"kwargs\":").Append(kwargs);
        request.Append("}\n");

        var pending = new PendingRequest();
        try
        {
            // Queued and written under one lock: the queue's order is the order the process reads them in.
            lock (_pending)
            {
                if (_pending.Count == 0) pending.Started = Environment.TickCount64;
                _pending.Enqueue(pending);
                stdin.Write(Encoding.UTF8.GetBytes(request.ToString()));
                stdin.Flush();
            }
        }
        catch (IOException)
        {
            Fail(new PythonWorkerExitedException("the worker process has exited", started: false));
        }

        // Cancelled: a call that runs is stopped with its process; one still behind another is taken back.
        await using var cancel = cancellationToken.Register(() => Cancel(stdin, pending, id));
        var reply = timeout is { } limit ? await ReplyWithinAsync(pending, limit) : await pending.Reply.Task;
        LastUsed = DateTimeOffset.UtcNow;
        using var document = JsonDocument.Parse(reply, ReplyOptions);
        var root = document.RootElement;
        var output = root.TryGetProperty("output", out var o) ? o.GetString() : null;
        return root.GetProperty("ok").GetBoolean()
            ? new PythonReply(true, root.GetProperty("result").GetRawText(), null, output)
            : new PythonReply(false, null, ErrorOf(root.GetProperty("error")), output);
    }

    // Waits for the reply, the limit counting from the call's start; a call still behind another waits on.
    private async Task<string> ReplyWithinAsync(PendingRequest pending, TimeSpan limit)
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

    private void Cancel(Stream stdin, PendingRequest pending, long id)
    {
        lock (_pending)
        {
            if (pending.Reply.Task.IsCompleted) return;
            if (Volatile.Read(ref pending.Started) == 0 && !HasExited)
            {
                try
                {
                    stdin.Write(Encoding.UTF8.GetBytes($"{{\"cancel\":{id}}}\n"));
                    stdin.Flush();
                    return;
                }
                catch (IOException)
                {
                    // The process is going: it will not run the call.
                    return;
                }
            }
        }

        _kill.Cancel();
    }

    /// <summary>Kills the process at once.</summary>
    public async Task KillAsync()
    {
        _kill.Cancel();
        if (_process is not null) await ((Task)_process.Task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Closes stdin so the worker ends by itself; kills it if it lingers.</summary>
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

    // A pipe target that reads lines on a dedicated thread until the stream ends.
    private static PipeTarget LinesOnOwnThread(Action<string> onLine, string name) => PipeTarget.Create((origin, _) =>
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var reader = new StreamReader(origin, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
                while (reader.ReadLine() is { } line) onLine(line);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    });

    private static CallError ErrorOf(JsonElement error) => new(
        error.GetProperty("type").GetString() ?? "Error",
        error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "",
        error.TryGetProperty("traceback", out var t) ? t.GetString() : null);

    private void OnReply(string line)
    {
        if (line.Length == 0) return;
        if (!_handshake.Task.IsCompleted)
        {
            using var hello = JsonDocument.Parse(line);
            _handshake.TrySetResult(hello.RootElement.Clone());
            return;
        }

        PendingRequest? done;
        lock (_pending)
        {
            if (!_pending.TryDequeue(out done)) return;
            if (_pending.TryPeek(out var next)) Volatile.Write(ref next.Started, Environment.TickCount64);
        }

        done.Reply.TrySetResult(line);
    }

    // Every call not answered fails: the one the process was running (the first) as started, the rest not.
    private void Fail(PythonWorkerExitedException error)
    {
        PendingRequest[] failed;
        lock (_pending)
        {
            failed = [.. _pending];
            _pending.Clear();
        }

        for (var i = 0; i < failed.Length; i++)
        {
            failed[i].Reply.TrySetException(i == 0 && error.Started ? error : new PythonWorkerExitedException(error.Message, started: false));
        }
    }

    private void OnStandardError(string line) => LogWorkerOutput(ProcessId, line);

    private void OnExited(Task<CommandResult> process)
    {
        _closed.TrySetResult();
        var how = process.IsCompletedSuccessfully ? $"exit code {process.Result.ExitCode}" : "killed";
        var error = new PythonWorkerExitedException($"the worker process {ProcessId} ended ({how})", started: true);
        _handshake.TrySetException(error);
        Fail(error);
        LogExited(ProcessId, how);
    }

    private sealed class PendingRequest
    {
        public readonly TaskCompletionSource<string> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Environment.TickCount64 when the process began this call (it was first in line); 0 before.
        public long Started;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Python worker {Pid}: {Line}")]
    private partial void LogWorkerOutput(int pid, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Python worker {Pid} ended ({How})")]
    private partial void LogExited(int pid, string how);
}
