using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Pyfi;
using Pyfi.Storage;
using Pyfi.Storage.Calls;

// CallStoreBench ADMIN_CONNECTION POSTMASTER_PID IN_FLIGHT SECONDS [WARMUP_SECONDS]
// A fresh database; IN_FLIGHT callers each storing calls one after another, every call inserted, started and ended
// (three guarded writes, each awaited as a socket awaits them), through one call store: one writer, as one socket
// has. Prints one JSON line: calls per second over SECONDS after the warm-up, and the CPU PostgreSQL's processes
// (the postmaster and its children, read from /proc) used per call meanwhile.
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: CallStoreBench ADMIN_CONNECTION POSTMASTER_PID IN_FLIGHT SECONDS [WARMUP_SECONDS]");
    return 2;
}

var admin = args[0];
var postmaster = int.Parse(args[1], CultureInfo.InvariantCulture);
var inFlight = int.Parse(args[2], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
var warmup = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 3;

var name = $"pyfi_callbench_{Environment.ProcessId}";
await AdminAsync($"CREATE DATABASE {name}");
try
{
    var connection = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = 20 }.ConnectionString;
    var database = PyfiDatabase.From(new PyfiStorageOptions { Provider = StorageProvider.Postgres, Postgres = connection }, ".");
    await SchemaInstaller.ApplyAsync(database);
    // BENCH_WRITERS: the store's writers, where the code built against has them (older code: one; found by
    // reflection so this bench still builds against a checkout from before them).
    var writers = int.Parse(Environment.GetEnvironmentVariable("BENCH_WRITERS") ?? "1", CultureInfo.InvariantCulture);
    var create = typeof(CallStore).GetMethods().Where(m => m.Name == nameof(CallStore.Create)).MaxBy(m => m.GetParameters().Length)!;
    if (create.GetParameters().All(p => p.Name != "writers")) writers = 1;
    var parameters = create.GetParameters().Select(p => p.Name switch
    {
        "database" => database,
        "serviceId" => "bench",
        "writers" => writers,
        _ => p.DefaultValue is DBNull ? null : p.DefaultValue,
    }).ToArray();
    await using var store = (CallStore)create.Invoke(null, parameters)!;

    long done = 0;
    using var stop = new CancellationTokenSource();
    var callers = Enumerable.Range(0, inFlight).Select(c => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            var queued = new CallInfo { Id = Guid.NewGuid(), Socket = $"socket{c % 4}", Processor = "bench", Function = "noop", Created = now, Args = "[]" };
            var running = queued with { State = CallState.Running, Attempts = 1, Started = now, LeaseUntil = now.AddSeconds(30), Slot = "socket#0", Worker = "127.0.0.1:1/1" };
            var ended = running with { State = CallState.Succeeded, Result = "null", Finished = DateTimeOffset.UtcNow, LeaseUntil = null };
            if (!await store.InsertAsync(queued) || !await store.TransitionAsync(running, CallState.Queued, 0) || !await store.TransitionAsync(ended, CallState.Running, 1))
            {
                throw new InvalidOperationException($"call {queued.Id} was not stored as written");
            }

            Interlocked.Increment(ref done);
        }
    })).ToList();

    await Task.Delay(TimeSpan.FromSeconds(warmup));
    var startCalls = Interlocked.Read(ref done);
    var startCpu = PostgresCpuTicks(postmaster);
    var clock = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    var calls = Interlocked.Read(ref done) - startCalls;
    var cpu = PostgresCpuTicks(postmaster) - startCpu;
    var elapsed = clock.Elapsed.TotalSeconds;
    await stop.CancelAsync();
    await Task.WhenAll(callers);

    // Linux counts process CPU in clock ticks of 10 ms (USER_HZ 100).
    var cpuMs = cpu * 10.0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"in_flight\": {inFlight}, \"writers\": {writers}, \"seconds\": {elapsed:F1}, \"calls\": {calls}, \"calls_per_s\": {calls / elapsed:F0}, \"pg_cpu_ms_per_call\": {cpuMs / calls:F3}, \"pg_cores\": {cpuMs / 1000 / elapsed:F2}}}"));
    return 0;
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
}

async Task AdminAsync(string sql)
{
    await using var connection = new NpgsqlConnection(admin);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

// CPU of the postmaster, of its children living now, and of those that have exited (counted to it once reaped).
static long PostgresCpuTicks(int postmaster)
{
    long ticks = 0;
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
        string stat;
        try
        {
            stat = File.ReadAllText(Path.Combine(dir, "stat"));
        }
        catch (IOException)
        {
            continue;
        }

        // Fields after the command's closing parenthesis: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
        if (pid != postmaster && parent != postmaster) continue;
        ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (pid == postmaster) ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
    }

    return ticks;
}
