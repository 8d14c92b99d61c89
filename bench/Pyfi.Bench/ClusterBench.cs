using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Pyfi.Client;
using Pyfi.Client.Calls;
using Pyfi.Protocol;

namespace Pyfi.Bench;

/// <summary>
/// Calls against a cluster of silos (bench/cluster.sh), in rounds: throughput of N noop calls submitted at once,
/// entering through one silo (an Orleans client held to that silo's gateway) and then split evenly over one such
/// client per silo; and S spin calls at once (a fixed loop, ~20 ms of CPU each, that returns the CPU time it took),
/// whose wall time is set against the ideal: the CPU time the calls report, over the machine's real cores (the CPU
/// time of one spin run alone, one at a time, is printed beside it). Each figure says where the calls ran (the
/// worker's silo, by silo port) and where their socket was (the attempts' owner); with BENCH_CPU_PIDS
/// (<c>name=pid,…</c>) also the CPU time that each of those processes, its descendants (a silo's Python workers,
/// PostgreSQL's backends), this client and the whole machine spent per call.
/// </summary>
public static class ClusterBench
{
    /// <summary>Runs the workloads against sockets <c>bench.noop</c> and <c>bench.spin</c>.</summary>
    /// <param name="gateway">A Pyfi gateway, to learn the network's ids.</param>
    /// <param name="entries">The silos' Orleans gateways (<c>host:port</c>), the first being the "one" entry.</param>
    /// <param name="rounds">How many times each workload runs.</param>
    /// <param name="n">Noop calls at once (0: none).</param>
    /// <param name="s">Spin calls at once (0: none).</param>
    /// <param name="spin">The spin loop's length.</param>
    /// <param name="cores">The machine's real cores, for the ideal time.</param>
    /// <param name="slots">The sockets' concurrency (printed with the figures).</param>
    public static async Task<int> RunAsync(string gateway, IReadOnlyList<string> entries, int rounds, int n, int s, int spin, int cores, int slots)
    {
        if (entries.Count == 0)
        {
            Console.Error.WriteLine("usage: Pyfi.Bench cluster --gateway HOST:PORT --entries HOST:PORT[,HOST:PORT...] [--rounds R]");
            return 2;
        }

        await using var network = await PyfiClient.ConnectAsync(new PyfiClientOptions { Gateways = gateway, RetryConnect = true });
        var hello = network.Network ?? throw new InvalidOperationException("the gateway did not introduce the network");
        var hosts = new List<IHost>();
        try
        {
            foreach (var entry in entries) hosts.Add(await EntryAsync(hello, entry));
            // BENCH_ROUTES=0: submissions go through each socket's own grain, as before clients routed to partitions.
            var routed = Environment.GetEnvironmentVariable("BENCH_ROUTES") != "0";
            var clients = hosts.Select(h => new Gate(h.Services.GetRequiredService<IClusterClient>(), routed ? new SocketRoutes() : null)).ToArray();
            var meter = CpuMeter.FromEnvironment();

            // Every silo's slots get their Python workers (and each silo its venv), and this client's code is
            // compiled, before anything is measured.
            foreach (var client in clients) await Task.WhenAll(Enumerable.Range(0, Warm).Select(i => CallAsync(client, "bench.noop", $"[{i}]")));
            double alone = 0;
            if (s > 0)
            {
                await Task.WhenAll(Enumerable.Range(0, 4 * slots).Select(i => CallAsync(clients[i % clients.Length], "bench.spin", $"[{spin}]")));
                var single = new double[11];
                for (var i = 0; i < single.Length; i++) single[i] = Cpu(await CallAsync(clients[0], "bench.spin", $"[{spin}]"));
                alone = Stats.Percentile(single, 0.5);
            }

            for (var round = 1; round <= rounds; round++)
            {
                if (n > 0)
                {
                    await Throughput(round, "one", clients[..1]);
                    if (clients.Length > 1) await Throughput(round, "every", clients);
                }

                if (s > 0)
                {
                    await Settle();
                    var before = meter.Read();
                    var watch = Stopwatch.StartNew();
                    var calls = await Task.WhenAll(Enumerable.Range(0, s).Select(i => CallAsync(clients[i % clients.Length], "bench.spin", $"[{spin}]")));
                    var seconds = watch.Elapsed.TotalSeconds;
                    // The work is what the functions report they used; the ideal is that work on every real core.
                    var work = calls.Sum(Cpu) / 1000;
                    Output.Emit("spin", new
                    {
                        round, silos = entries.Count, slots, cores, calls = s,
                        cpu_ms_alone = Output.Round(alone),
                        cpu_ms_loaded = Output.Round(work * 1000 / s),
                        seconds = Output.Round(seconds),
                        ideal_s = Output.Round(work / cores),
                        efficiency = Output.Round(work / cores / seconds),
                        ran_on = Where(calls, c => c.Worker), socket_on = Where(calls, c => c.Owner),
                        cpu_ms_per_call = meter.PerCall(before, meter.Read(), s),
                    });
                }
            }

            return 0;

            async Task Throughput(int round, string entry, Gate[] through)
            {
                await Settle();
                var before = meter.Read();
                var watch = Stopwatch.StartNew();
                var calls = await Task.WhenAll(Enumerable.Range(0, n).Select(i => CallAsync(through[i % through.Length], "bench.noop", $"[{i}]")));
                var seconds = watch.Elapsed.TotalSeconds;
                if (!calls.Select((c, i) => c.Result == i.ToString(CultureInfo.InvariantCulture)).All(ok => ok))
                {
                    throw new InvalidOperationException("a noop call returned the wrong value");
                }

                Output.Emit("throughput", new
                {
                    round, entry, silos = entries.Count, slots, gateways = through.Length, calls = n,
                    seconds = Output.Round(seconds), calls_per_s = Output.Round(n / seconds, 1),
                    ran_on = Where(calls, c => c.Worker), socket_on = Where(calls, c => c.Owner),
                    cpu_ms_per_call = meter.PerCall(before, meter.Read(), n),
                });
            }
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }
    }

    /// <summary>Noop calls each entry client makes at once to warm up.</summary>
    public const int Warm = 200;

    // Idle worker slots give their cores back after 500 ms; each workload starts once the last one's have. On a
    // shared machine it then waits, up to 10 s, for half a second in which the machine's cores were at most a
    // quarter busy (the silos idle use a few percent), so that less of someone else's work lands in a figure.
    private static async Task Settle()
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            var (busy, all) = CpuMeter.MachineTicks();
            await Task.Delay(TimeSpan.FromSeconds(0.5));
            var (busyAfter, allAfter) = CpuMeter.MachineTicks();
            if (allAfter > all && (double)(busyAfter - busy) / (allAfter - all) <= 0.25) return;
        }
    }

    // An Orleans client that knows only this one gateway, so every message it sends enters the cluster there.
    private static async Task<IHost> EntryAsync(GatewayHello network, string gateway)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(IPEndPoint.Parse(gateway));
            // The silos' gateways take only clients that present a token (PYFI_TOKEN or PYFI_TOKEN_FILE, as the tool).
            client.UsePyfiToken(() => PyfiToken.Resolve(null));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = network.ClusterId;
                o.ServiceId = network.ServiceId;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // A silo's client and where it sends submissions.
    private sealed record Gate(IGrainFactory Grains, SocketRoutes? Routes);

    // One call, submitted and awaited to its end.
    private static async Task<CallInfo> CallAsync(Gate gate, string socket, string args)
    {
        var started = await PyfiCall.StartAsync(gate.Grains, new CallRequest { Socket = socket, Args = args }, PyfiCall.Slice, null, gate.Routes);
        var call = await started.WaitAsync();
        return call.State == CallState.Succeeded ? call : throw new InvalidOperationException($"{socket} failed: {call.Error}");
    }

    // The CPU time (ms) a spin call reports it took.
    private static double Cpu(CallInfo call) => double.Parse(call.Result!, CultureInfo.InvariantCulture);

    // How many calls ran on (or were owned by) each silo, by silo port: "host:port/pid" and "host:port@generation".
    private static SortedDictionary<string, int> Where(IEnumerable<CallInfo> calls, Func<CallInfo, string?> of) =>
        new(calls.GroupBy(c => of(c)?.Split('/', '@')[0].Split(':')[^1] ?? "?").ToDictionary(g => g.Key, g => g.Count()));

    /// <summary>CPU time of named processes and their descendants, from <c>/proc</c>, and of this process.</summary>
    private sealed class CpuMeter(IReadOnlyList<(string Name, int Pid)> roots)
    {
        private static readonly double MsPerTick = 10; // USER_HZ is 100 on Linux

        public static CpuMeter FromEnvironment() => new(
            (Environment.GetEnvironmentVariable("BENCH_CPU_PIDS") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(e => e.Split('='))
                .Select(p => (p[0], int.Parse(p[1], CultureInfo.InvariantCulture)))
                .ToList());

        /// <summary>
        /// CPU ms so far of each root (<c>name</c>), of its descendants (<c>name+</c>), of this client, and of the whole
        /// machine (<c>machine</c>: what is not counted in the others was other processes', e.g. someone else's work).
        /// </summary>
        public Dictionary<string, double> Read()
        {
            var processes = new Dictionary<int, (int Parent, long Ticks)>();
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
                try
                {
                    // pid (comm) state ppid … utime (14th field) stime (15th)
                    var fields = File.ReadAllText(Path.Combine(folder, "stat")).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    processes[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                    // It exited meanwhile.
                }
            }

            var read = new Dictionary<string, double>();
            foreach (var (name, root) in roots)
            {
                read[name] = processes.TryGetValue(root, out var own) ? own.Ticks * MsPerTick : 0;
                read[name + "+"] = Descendants(processes, root).Sum(p => processes[p].Ticks) * MsPerTick;
            }

            read["client"] = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
            read["machine"] = MachineTicks().Busy * MsPerTick;
            return read;
        }

        /// <summary>What each counted between <paramref name="before"/> and <paramref name="after"/>, per call (ms).</summary>
        public Dictionary<string, double> PerCall(Dictionary<string, double> before, Dictionary<string, double> after, int calls) =>
            after.ToDictionary(a => a.Key, a => Output.Round((a.Value - before.GetValueOrDefault(a.Key)) / calls));

        /// <summary>All the machine's CPUs' busy time (not idle, not waiting for I/O), whoever used it, and their time in all: /proc/stat's first line.</summary>
        public static (long Busy, long All) MachineTicks()
        {
            var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            var all = ticks.Take(8).Sum();
            return (all - ticks[3] - ticks[4], all);
        }

        private static IEnumerable<int> Descendants(Dictionary<int, (int Parent, long Ticks)> processes, int root)
        {
            var children = processes.Where(p => p.Value.Parent == root).Select(p => p.Key).ToList();
            return children.Concat(children.SelectMany(c => Descendants(processes, c)));
        }
    }
}
