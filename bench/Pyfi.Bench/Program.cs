using Pyfi.Bench;

// Pyfi's benchmark client. Prints one JSON object per figure, like the peers in ../shared/bench/peers.
//   Pyfi.Bench calls --gateway HOST:PORT          (BENCH_N, BENCH_M, BENCH_K, BENCH_F, BENCH_S, BENCH_C as the peers take them)
//   Pyfi.Bench flows --gateway HOST:PORT [--rounds R]   (the pipeline and funnel workloads alone, R times)
//   Pyfi.Bench flows-large --gateway HOST:PORT --steps N   (a parallel of N noop calls, and how fast the workflow answers meanwhile)
//   Pyfi.Bench cluster --gateway HOST:PORT --entries HOST:PORT[,HOST:PORT...] [--rounds R]   (bench/cluster.sh: the silos'
//       Orleans gateways, the first as the one entry; BENCH_N noop, BENCH_S spin of BENCH_SPIN steps, BENCH_C real cores,
//       BENCH_SLOTS the sockets' concurrency, BENCH_CPU_PIDS name=pid,... whose CPU time is counted per call)
//   Pyfi.Bench backlog --gateway HOST:PORT [--socket S --args JSON --calls N --in-flight K]   (bench/backlog.sh: N calls queued without waiting)
//   Pyfi.Bench plugs --gateway HOST:PORT [--rounds R]   (bench/plugs.sh: a plug hop against a pipeline hop, BENCH_K hops; BENCH_N runs through a 3-stage plug chain)
//   Pyfi.Bench runtimes --gateway HOST:PORT   (bench/runtimes.sh: python, node and bash noops side by side; BENCH_N at once, BENCH_M one by one)
//   Pyfi.Bench allocs TRACE.nettrace --calls N [--top K]   (bench/allocs.sh: a silo's allocations in a gc-verbose trace, per call, by type and site)
//   Pyfi.Bench ledger [--silos 1,10,100] [--cores 16]   (bench/scale.sh: the slot ledger's cost per message as the cluster grows)
//   Pyfi.Bench model populate|verify --gateway HOST:PORT --snapshot FILE [--queues N --processors N --sockets N] [--timed N]
//       (--timed N: all but the last N sockets go in by network applies of 100, the last N are added one by one and timed)
string Arg(string name, string fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

int Int(string name, string fallback) => int.Parse(Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback);

return args switch
{
    ["calls", ..] => await CallsBench.RunAsync(Arg("--gateway", "localhost:30000"),
        Int("BENCH_N", "2000"), Int("BENCH_M", "200"), Int("BENCH_K", "50"), Int("BENCH_F", "200"), Int("BENCH_S", "200"),
        Int("BENCH_C", Environment.ProcessorCount.ToString())),
    ["flows", ..] => await FlowsBench.RunAsync(Arg("--gateway", "localhost:30000"), Int("BENCH_K", "50"), Int("BENCH_F", "200"), int.Parse(Arg("--rounds", "5"))),
    ["flows-large", ..] => await FlowsBench.RunLargeAsync(Arg("--gateway", "localhost:30000"), int.Parse(Arg("--steps", "10000"))),
    ["cluster", ..] => await ClusterBench.RunAsync(Arg("--gateway", "localhost:30000"),
        Arg("--entries", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), int.Parse(Arg("--rounds", "3")),
        Int("BENCH_N", "2000"), Int("BENCH_S", "400"), Int("BENCH_SPIN", "500000"), Int("BENCH_C", Environment.ProcessorCount.ToString()),
        Int("BENCH_SLOTS", Environment.ProcessorCount.ToString())),
    ["backlog", ..] => await BacklogBench.RunAsync(Arg("--gateway", "localhost:30000"), Arg("--socket", "backlog.slow"), Arg("--args", "[60000]"),
        int.Parse(Arg("--calls", "200000")), int.Parse(Arg("--in-flight", "64"))),
    ["runtimes", ..] => await RuntimesBench.RunAsync(Arg("--gateway", "localhost:30000"), Int("BENCH_N", "1000"), Int("BENCH_M", "200")),
    ["plugs", ..] => await PlugsBench.RunAsync(Arg("--gateway", "localhost:30000"), Int("BENCH_K", "50"), Int("BENCH_N", "2000"), int.Parse(Arg("--rounds", "3"))),
    ["model", var phase, ..] => await ModelBench.RunAsync(phase, Arg("--gateway", "localhost:30000"), Arg("--snapshot", "model-snapshot.json"),
        int.Parse(Arg("--queues", "100")), int.Parse(Arg("--processors", "100")), int.Parse(Arg("--sockets", "1000")), int.Parse(Arg("--timed", "0"))),
    ["allocs", var trace, ..] => AllocsReport.Run(trace, int.Parse(Arg("--calls", "1")), int.Parse(Arg("--top", "40"))),
    ["ledger", ..] => LedgerBench.Run([.. Arg("--silos", "1,10,100,1000").Split(',').Select(int.Parse)], int.Parse(Arg("--cores", "16"))),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Pyfi.Bench model populate|verify --gateway HOST:PORT --snapshot FILE [--queues N] [--processors N] [--sockets N] [--timed N]");
    return 2;
}
