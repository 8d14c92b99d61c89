using System.Text.Json;
using Pyfi.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Pyfi.Tests.Chaos;

/// <summary>
/// Plugs under a real failure: the silo killed with SIGKILL while 200 runs go through a chain of four sockets joined
/// by three plugs, then started again. Every run must reach the chain's end, and every call a plug makes must be made
/// exactly once (one call per run on each downstream socket), whatever the kill cut off: an end stored without its
/// deliveries made, a delivery made without being cleared, an attempt cut off after its side effect.
/// </summary>
public sealed class PlugChaosTests(ITestOutputHelper output)
{
    private const int Runs = 200;
    private static readonly string[] Chain = ["r1", "r2", "r3", "r4"];

    [Fact]
    public async Task ASiloKilledMidFlowFinishesEveryRunWithNoDownstreamCallLostOrDoubled()
    {
        using var repository = await GitRepository.CreateAsync(SampleCode.Files());
        using var data = new TempDirectory("pyfi-plug-chaos");
        var effects = Path.Combine(data.Path, "effects.txt");
        var env = new Dictionary<string, string> { ["PYFI_CORES"] = "2" };
        var silo = await SiloProcess.StartAsync(data.Path, env);
        try
        {
            var cli = silo.Cli();
            await SampleCode.AddAsync(cli, repository);
            foreach (var socket in Chain) await cli.OkAsync("add", "socket", "-n", socket, "-q", "q", "-pn", "sample", "-t", "relay", "-c", "2", "--max-attempts", "5", "--backoff", "100ms");
            for (var i = 1; i < Chain.Length; i++) await cli.OkAsync("add", "plug", "-n", $"{Chain[i - 1]}-{Chain[i]}", "-s", Chain[i - 1], "-t", Chain[i]);

            await using (var client = await silo.ConnectAsync())
            {
                var first = client.Cluster.GetGrain<ISocketGrain>(Chain[0]);
                await Parallel.ForEachAsync(Enumerable.Range(0, Runs), new ParallelOptions { MaxDegreeOfParallelism = 20 }, async (token, _) =>
                {
                    var message = JsonSerializer.Serialize(new { path = effects, token, hop = 0, seconds = 0.002 });
                    await first.RunAsync(new CallRequest { Socket = Chain[0], Args = $"[{message}]", Key = $"run-{token}" }, TimeSpan.Zero);
                });
            }

            // Kill while every stage has work: some runs at the end, many in the middle.
            await Poll.UntilAsync(() => Lines(effects).Count(l => l.StartsWith("3:", StringComparison.Ordinal)) >= 20, TimeSpan.FromSeconds(90), "20 runs to reach the chain's end");
            var before = Lines(effects).Length;
            await silo.KillAsync();
            silo = await SiloProcess.StartAsync(data.Path, env, ports: silo.Ports);

            await using var after = await silo.ConnectAsync();
            var listing = after.Cluster.GetGrain<ICallListingGrain>(0);
            var started = System.Diagnostics.Stopwatch.StartNew();
            Dictionary<string, CallInfo[]> calls = [];
            await Poll.UntilAsync(async () =>
            {
                foreach (var socket in Chain) calls[socket] = await listing.ListAsync(new CallQuery { Socket = socket, Limit = CallQuery.MaxLimit });
                return calls.Values.All(c => c.Length >= Runs && c.All(x => x.State.IsFinal() && x.Deliveries.IsEmpty));
            }, TimeSpan.FromSeconds(180), $"every one of {Runs} runs to end on {Chain[^1]}");

            var lines = Lines(effects);
            var duplicated = lines.Length - lines.Distinct().Count();
            var line = $"chaos plug-chain-kill: runs {Runs}, succeeded {calls[Chain[^1]].Count(c => c.State == CallState.Succeeded)} at the chain's end, " +
                $"downstream calls {calls.Skip(1).Sum(c => c.Value.Length)} (expected {Runs * (Chain.Length - 1)}), side effects repeated {duplicated} " +
                $"(settled {started.Elapsed.TotalSeconds:0.0} s; {before} steps had run when the silo was killed)";
            output.WriteLine(line);
            if (Environment.GetEnvironmentVariable("PYFI_CHAOS_REPORT") is { Length: > 0 } report) File.AppendAllText(report, line + Environment.NewLine);

            foreach (var socket in Chain)
            {
                // Exactly one call per run on every socket: none lost, none doubled.
                Assert.Equal(Runs, calls[socket].Length);
                Assert.All(calls[socket], c => Assert.Equal(CallState.Succeeded, c.State));
                Assert.Equal(Runs, calls[socket].Select(c => c.Run).Distinct().Count());
            }

            // Every run's chain is whole: each downstream call was made by the run's call one socket up.
            var byId = calls.Values.SelectMany(c => c).ToDictionary(c => c.Id);
            foreach (var last in calls[Chain[^1]])
            {
                var hops = new List<string> { last.Socket };
                for (var at = last; at.Parent is { } parent; at = byId[parent]) hops.Insert(0, byId[parent].Socket);
                Assert.Equal(Chain, hops);
            }

            // Every step ran for every run (a step cut off by the kill after its effect may have run twice).
            for (var hop = 0; hop < Chain.Length; hop++)
            {
                Assert.Equal(Runs, lines.Where(l => l.StartsWith($"{hop}:", StringComparison.Ordinal)).Distinct().Count());
            }

            // Repeated: steps that ran but whose end was not committed at the kill. Slots go on while an end is being
            // committed, so on a busy machine (a slow commit) that is every step run in the last commit's time: measured
            // 0-27 quiet, 140 with two CPU hogs (before each step slept 2 ms). A regression that ran steps again
            // wholesale would repeat most of those that had run before the kill.
            Assert.True(duplicated < before / 2, $"{duplicated} of the {before} steps run before the kill ran again");
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }

    private static string[] Lines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];
}
