using Pyfi.Bench;

// Pyfi's benchmark client. Prints one JSON object per figure, like the peers in ../shared/bench/peers.
//   Pyfi.Bench model populate|verify --gateway HOST:PORT --snapshot FILE [--queues N --processors N --sockets N]
string Arg(string name, string fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

return args switch
{
    ["model", var phase, ..] => await ModelBench.RunAsync(phase, Arg("--gateway", "localhost:30000"), Arg("--snapshot", "model-snapshot.json"),
        int.Parse(Arg("--queues", "100")), int.Parse(Arg("--processors", "100")), int.Parse(Arg("--sockets", "1000"))),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Pyfi.Bench model populate|verify --gateway HOST:PORT --snapshot FILE [--queues N] [--processors N] [--sockets N]");
    return 2;
}
