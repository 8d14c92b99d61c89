using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pyfi.Protocol;

namespace Pyfi;

/// <summary>
/// The rules a definition must satisfy. The registry enforces them; clients may call them first to fail
/// without a round trip. Each method throws <see cref="InvalidSpecException"/> naming the first problem.
/// </summary>
public static partial class ModelRules
{
    /// <summary>Longest name of a queue, processor or socket.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Highest concurrency one processor or socket may ask for.</summary>
    public const int MaxConcurrency = 4096;

    /// <summary>Largest queue bound a socket may have.</summary>
    public const int MaxQueueBound = 10_000_000;

    /// <summary>Least memory a Python worker may be limited to (an interpreter with the worker script needs ~30 MiB of address space).</summary>
    public const long MinWorkerMemory = 64L << 20;

    /// <summary>Most memory a Python worker may be limited to.</summary>
    public const long MaxWorkerMemory = 1L << 40;

    /// <summary>Checks a queue definition.</summary>
    public static QueueSpec Validate(QueueSpec spec)
    {
        Name("queue", spec.Name);
        if (!Enum.IsDefined(spec.Type)) Fail($"queue '{spec.Name}': unknown type {spec.Type}");
        return spec;
    }

    /// <summary>Checks a processor definition.</summary>
    public static ProcessorSpec Validate(ProcessorSpec spec)
    {
        Name("processor", spec.Name);
        var what = $"processor '{spec.Name}'";
        if (string.IsNullOrWhiteSpace(spec.Repository)) Fail($"{what}: a git repository (-g) is required");
        if (spec.Repository.Trim() != spec.Repository || spec.Repository.StartsWith('-'))
            Fail($"{what}: repository '{spec.Repository}' is not a URL or a path");
        if (!Enum.IsDefined(spec.Runtime)) Fail($"{what}: --runtime must be python, node or bash");
        Module(what, spec.Runtime, spec.Module);
        if (spec.Branch is not null && !GitBranch().IsMatch(spec.Branch) || spec.Branch?.Contains("..") == true)
            Fail($"{what}: '{spec.Branch}' is not a valid branch name");
        if (spec.Commit is not null && !GitCommit().IsMatch(spec.Commit))
            Fail($"{what}: commit '{spec.Commit}' is not a commit id (4 to 64 hex digits)");
        if (spec.Concurrency is { } cap) Concurrency(what, cap);
        if (spec.Requirements is not null &&
            (spec.Requirements.Length == 0 || Path.IsPathRooted(spec.Requirements) || spec.Requirements.Split('/', '\\').Contains("..")))
            Fail($"{what}: requirements '{spec.Requirements}' must be a relative path inside the repository");
        if (spec.Memory is { } memory) WorkerMemory($"{what}: memory", memory);
        if (spec.Hosts.IsDefault) Fail($"{what}: the host list must not be null");
        foreach (var host in spec.Hosts)
        {
            if (!HostName().IsMatch(host)) Fail($"{what}: '{host}' is not a host name");
        }

        if (!Enum.IsDefined(spec.RequestedStatus) || spec.RequestedStatus is ProcessorStatus.Deploying or ProcessorStatus.Error)
            Fail($"{what}: requested status must be ready, running, paused or stopped");
        return spec;
    }

    /// <summary>Checks a change of socket <paramref name="current"/> to <paramref name="next"/> (see <see cref="Validate(SocketSpec)"/>).</summary>
    public static SocketSpec Validate(SocketSpec current, SocketSpec next)
    {
        Validate(next);
        const int auto = SocketSpec.AutoPartitions;
        if (current.Partitions == next.Partitions) return next;
        if (current.Partitions == auto)
            Fail($"socket '{next.Name}': its partitions are auto; they cannot be set to a number (partitions can be added, not taken away)");
        if (next.Partitions == auto && current.Partitions > 1)
            Fail($"socket '{next.Name}': it has {current.Partitions} partitions; only a socket with one can become auto (partitions can be added, not taken away)");
        if (next.Partitions != auto && next.Partitions < current.Partitions)
            Fail($"socket '{next.Name}': it has {current.Partitions} partitions; partitions can be added, not taken away (their calls are theirs until they end)");
        return next;
    }

    /// <summary>Checks a socket definition (its own fields; the registry checks that queue and processor exist).</summary>
    public static SocketSpec Validate(SocketSpec spec)
    {
        Name("socket", spec.Name);
        var what = $"socket '{spec.Name}'";
        Name("queue", spec.Queue);
        Name("processor", spec.Processor);
        // Its shape for the processor's runtime is checked with the processor (Function); here, what no runtime takes.
        if (string.IsNullOrEmpty(spec.Function) || spec.Function.Length > MaxNameLength || !AnyFunction().IsMatch(spec.Function))
            Fail($"{what}: function '{spec.Function}' is not a function name (a Python or JavaScript identifier, or a script's file name)");
        Concurrency(what, spec.Concurrency);
        if (spec.Timeout is { } t && (t <= TimeSpan.Zero || t > TimeSpan.FromDays(7)))
            Fail($"{what}: timeout must be between 0 and 7 days");
        Validate(what, spec.Retry);
        if (spec.MaxQueued is < 1 or > MaxQueueBound) Fail($"{what}: the queue bound must be between 1 and {MaxQueueBound}");
        if (spec.JoinTimeout is { } j && (j < TimeSpan.FromSeconds(1) || j > TimeSpan.FromDays(7))) Fail($"{what}: the join timeout must be between 1 second and 7 days");
        if (spec.Partitions is < 0 or > SocketPartitions.Max) Fail($"{what}: partitions must be between 1 and {SocketPartitions.Max}, or auto");
        if (spec.Partitions > spec.Concurrency) Fail($"{what}: {spec.Partitions} partitions need a concurrency of at least {spec.Partitions} (each runs its calls on its own slots)");
        if (spec.Partitions > spec.MaxQueued) Fail($"{what}: {spec.Partitions} partitions need a queue bound of at least {spec.Partitions}");
        return spec;
    }

    /// <summary>
    /// Checks a processor's module for its runtime: a Python module path; a Node file (<c>.js</c>, <c>.mjs</c>,
    /// <c>.cjs</c>) or package folder of the repository; a folder of the repository holding scripts (<c>bin/</c>, <c>.</c>).
    /// </summary>
    public static string Module(string what, ProcessorRuntime runtime, string? module)
    {
        switch (runtime)
        {
            case ProcessorRuntime.Python when string.IsNullOrWhiteSpace(module) || !PythonModule().IsMatch(module):
                Fail($"{what}: module '{module}' is not a Python module path like package.module");
                break;
            case ProcessorRuntime.Node when string.IsNullOrWhiteSpace(module) || module.Length > 1000 || !RepositoryPath().IsMatch(module):
                Fail($"{what}: module '{module}' is not a Node module of the repository: a relative path to a .js, .mjs or .cjs file, or to a package folder (lib/text.js, packages/tools)");
                break;
            case ProcessorRuntime.Bash when string.IsNullOrWhiteSpace(module) || module.Length > 1000 || module is not ("." or "./") && !RepositoryPath().IsMatch(module):
                Fail($"{what}: module '{module}' is not a folder of the repository for bash scripts (bin/, or . for the top)");
                break;
        }

        return module!;
    }

    /// <summary>
    /// Checks a socket's function for its processor's runtime: a Python identifier, a JavaScript identifier (an
    /// export's name), or a script's file name in the processor's folder (<c>resize.sh</c>: no '/', not starting with '.').
    /// </summary>
    public static string Function(string what, ProcessorRuntime runtime, string function)
    {
        var (valid, shape) = runtime switch
        {
            ProcessorRuntime.Node => (JavaScriptIdentifier().IsMatch(function), "a JavaScript identifier (an export of the module)"),
            ProcessorRuntime.Bash => (ScriptName().IsMatch(function), "a script's file name in the processor's folder, like resize.sh"),
            _ => (PythonIdentifier().IsMatch(function), "a Python identifier"),
        };
        if (!valid) Fail($"{what}: function '{function}' is not {shape}");
        return function;
    }

    /// <summary>Checks a name: 1 to <see cref="MaxNameLength"/> letters, digits, '.', '_' or '-', starting with a letter, digit or '_'.</summary>
    public static string Name(string kind, string? name)
    {
        if (string.IsNullOrEmpty(name)) Fail($"a {kind} name is required");
        if (name.Length > MaxNameLength) Fail($"{kind} name '{name[..20]}…' is longer than {MaxNameLength} characters");
        if (!NameShape().IsMatch(name))
            Fail($"{kind} name '{name}' may hold only letters, digits, '.', '_' and '-', and must not start with '.' or '-'");
        return name;
    }

    /// <summary>
    /// Checks JSON sent as a call's arguments (an array) or keyword arguments (an object): one value of
    /// <paramref name="kind"/>, at most <paramref name="maxBytes"/> of UTF-8, nested at most
    /// <see cref="PyfiLimits.MaxDepth"/> levels, the depth checked while reading so nothing deeper is built.
    /// <paramref name="what"/> names it in the message, in the plural: "the call's positional arguments".
    /// </summary>
    public static void Json(string what, string? text, JsonValueKind kind, long maxBytes = PyfiLimits.DefaultMaxPayloadBytes)
    {
        var shape = kind == JsonValueKind.Array ? "a JSON array" : "a JSON object";
        if (text is null) Fail($"{what} are missing: they must be {shape}");
        var length = text.Length > maxBytes ? maxBytes + 1 : Encoding.UTF8.GetByteCount(text);
        if (length > maxBytes) Fail($"{what} are larger than {ByteSize.Format(maxBytes)} ({PyfiLimits.PayloadVariable})");
        // Every call passes here: its UTF-8 goes to a pooled buffer.
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var written = Encoding.UTF8.GetBytes(text, buffer);
            Read(what, buffer.AsSpan(0, written), kind == JsonValueKind.Array ? JsonTokenType.StartArray : JsonTokenType.StartObject, shape);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Read(string what, ReadOnlySpan<byte> json, JsonTokenType start, string shape)
    {
        // One level more than allowed, so that the too-deep token is ours to report, not the reader's.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = PyfiLimits.MaxDepth + 1 });
        try
        {
            if (!reader.Read() || reader.TokenType != start) Fail($"{what} must be {shape}");
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && reader.CurrentDepth >= PyfiLimits.MaxDepth)
                    Fail($"{what} nest deeper than {PyfiLimits.MaxDepth} levels");
            }
        }
        catch (JsonException e)
        {
            Fail($"{what} are not valid JSON: {PyfiJson.Describe(e)}");
        }
    }

    /// <summary>Checks a retry policy; <paramref name="what"/> names whose it is in the message.</summary>
    public static void Validate(string what, RetryPolicy? retry)
    {
        if (retry is null) Fail($"{what}: a retry policy is required");
        if (retry.MaxAttempts is < 1 or > 1000) Fail($"{what}: max attempts must be between 1 and 1000");
        if (retry.InitialBackoff < TimeSpan.Zero || retry.MaxBackoff < TimeSpan.Zero) Fail($"{what}: backoff must not be negative");
        if (retry.MaxBackoff < retry.InitialBackoff) Fail($"{what}: max backoff must not be below the initial backoff");
        if (retry.Multiplier is < 1 or > 100 || double.IsNaN(retry.Multiplier)) Fail($"{what}: backoff multiplier must be between 1 and 100");
        if (retry.Jitter is < 0 or > 1 || double.IsNaN(retry.Jitter)) Fail($"{what}: jitter must be between 0 and 1");
        if (retry.NonRetryable.IsDefault) Fail($"{what}: the non-retryable list must not be null");
        foreach (var type in retry.NonRetryable)
        {
            if (!PythonModule().IsMatch(type)) Fail($"{what}: '{type}' is not a Python exception type name");
        }
    }

    /// <summary>Idempotency keys starting with this are a workflow's steps' (<c>flow:ID:N</c>): only the network makes them.</summary>
    public const string WorkflowKeyPrefix = "flow:";

    /// <summary>
    /// Checks a call a client asks for directly (the gateway, an Orleans client): it may not claim to be a workflow's
    /// step (<see cref="CallRequest.Workflow"/>, <see cref="CallRequest.Parent"/>, a <see cref="WorkflowKeyPrefix"/> key),
    /// which would let it answer for another workflow's step.
    /// </summary>
    public static CallRequest ValidateFromClient(CallRequest request)
    {
        if (request.Workflow is not null || request.Parent is not null) Fail("a call's workflow and parent are set by the network, not by clients");
        if (request.Run is not null || request.Hop != 0) Fail("a call's run and hop are set by the network, not by clients");
        if (request.Key?.StartsWith(WorkflowKeyPrefix, StringComparison.Ordinal) == true) Fail($"keys starting with '{WorkflowKeyPrefix}' are the network's own (workflow steps)");
        if (request.Key?.StartsWith(PlugKeyPrefix, StringComparison.Ordinal) == true) Fail($"keys starting with '{PlugKeyPrefix}' are the network's own (calls plugs make)");
        if (request.Key?.StartsWith(JoinKeyPrefix, StringComparison.Ordinal) == true) Fail($"keys starting with '{JoinKeyPrefix}' are the network's own (calls joins make)");
        if (request.Key?.StartsWith(ScheduleKeyPrefix, StringComparison.Ordinal) == true) Fail($"keys starting with '{ScheduleKeyPrefix}' are the network's own (calls schedules make)");
        return request;
    }

    /// <summary>Idempotency keys starting with this are calls joins make (<c>join:RUN</c>): only the network makes them.</summary>
    public const string JoinKeyPrefix = "join:";

    /// <summary>Idempotency keys starting with this are calls schedules make (<c>sched:NAME:SLOT</c>): only the network makes them.</summary>
    public const string ScheduleKeyPrefix = "sched:";

    /// <summary>Idempotency keys starting with this are calls plugs make (<c>plug:SOURCE-CALL:PLUG</c>): only the network makes them.</summary>
    public const string PlugKeyPrefix = "plug:";

    /// <summary>Checks a plug's own fields (the registry checks that its sockets exist and what cycles it closes).</summary>
    public static PlugSpec Validate(PlugSpec spec)
    {
        Name("plug", spec.Name);
        var what = $"plug '{spec.Name}'";
        Name("socket", spec.Source);
        Name("socket", spec.Target);
        if (!Enum.IsDefined(spec.On)) Fail($"{what}: --on must be success or failure");
        if (spec.Arg is < 0 or > PlugSpec.MaxArg) Fail($"{what}: --arg must be between 0 and {PlugSpec.MaxArg}");
        if (spec.MaxHops is < 1 or > PlugSpec.MaxHopLimit) Fail($"{what}: --max-hops must be between 1 and {PlugSpec.MaxHopLimit}");
        return spec;
    }

    /// <summary>
    /// Checks a schedule's own fields (the registry checks that its socket exists, and reads its cron expression
    /// and time zone).
    /// </summary>
    public static ScheduleSpec Validate(ScheduleSpec spec)
    {
        Name("schedule", spec.Name);
        var what = $"schedule '{spec.Name}'";
        Name("socket", spec.Socket);
        if ((spec.Every is null) == (spec.Cron is null)) Fail($"{what}: give one of --every and --cron");
        if (spec.Every is { } every && (every < ScheduleSpec.MinEvery || every > ScheduleSpec.MaxEvery))
            Fail($"{what}: --every must be between 1 second and 366 days");
        if (spec.Every is { } whole && whole.Ticks % TimeSpan.TicksPerSecond != 0) Fail($"{what}: --every must be whole seconds");
        if (spec.Cron is { } cron && (cron.Length is 0 or > 200 || cron.Any(char.IsControl))) Fail($"{what}: --cron is not a cron expression");
        if (spec.TimeZone is { } zone && (zone.Length is 0 or > 100 || zone.Any(char.IsControl))) Fail($"{what}: --tz is not a time zone name");
        if (!Enum.IsDefined(spec.Overlap)) Fail($"{what}: --overlap must be skip or queue");
        if (!Enum.IsDefined(spec.CatchUp)) Fail($"{what}: --catch-up must be none, one or all");
        Json($"{what}'s positional arguments", spec.Args, JsonValueKind.Array, ScheduleSpec.MaxDataBytes);
        if (spec.Kwargs is not null) Json($"{what}'s keyword arguments", spec.Kwargs, JsonValueKind.Object, ScheduleSpec.MaxDataBytes);
        return spec;
    }

    /// <summary>Checks a worker memory limit; <paramref name="what"/> names the setting in the message.</summary>
    public static long WorkerMemory(string what, long bytes)
    {
        if (bytes is < MinWorkerMemory or > MaxWorkerMemory)
            Fail($"{what} must be between {ByteSize.Format(MinWorkerMemory)} and {ByteSize.Format(MaxWorkerMemory)}, not {ByteSize.Format(bytes)}");
        return bytes;
    }

    private static void Concurrency(string what, int concurrency)
    {
        if (concurrency is < 1 or > MaxConcurrency) Fail($"{what}: concurrency must be between 1 and {MaxConcurrency}");
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string message) => throw new InvalidSpecException(message);

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]
    private static partial Regex NameShape();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,252}$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex PythonModule();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PythonIdentifier();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_./\-]*$")]
    private static partial Regex GitBranch();

    [GeneratedRegex(@"^[A-Za-z_$][A-Za-z0-9_$]*$")]
    private static partial Regex JavaScriptIdentifier();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]
    private static partial Regex ScriptName();

    [GeneratedRegex(@"^[A-Za-z0-9_$][A-Za-z0-9_.$\-]*$")]
    private static partial Regex AnyFunction();

    // Relative, every part starting with a letter, digit, '_' or '@' (so never '..' nor hidden), an optional '/' at the end.
    [GeneratedRegex(@"^[A-Za-z0-9_@][A-Za-z0-9_.@\-]*(/[A-Za-z0-9_@][A-Za-z0-9_.@\-]*)*/?$")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"^[0-9a-fA-F]{4,64}$")]
    private static partial Regex GitCommit();
}
