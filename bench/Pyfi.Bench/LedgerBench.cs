using System.Diagnostics;
using System.Net;
using Orleans.Runtime;
using Pyfi.Grains.Workers;

namespace Pyfi.Bench;

/// <summary>
/// What the cluster's one slot ledger costs as the cluster grows (bench/scale.sh feeds bench/scale_model.py with it):
/// the ledger's rules (<see cref="SlotLedger"/>, the code its grain runs per message) with H silos of C cores, every
/// core held by a worker, timed per message kind: a worker's confirmation (each holder every 10 s), a core let go and
/// taken again (a slot idle 500 ms that comes back), a silo's report (each silo every 2 s) and a listing. In process,
/// without Orleans' messaging: the grain's message cost is measured separately (bench/cluster.sh).
/// </summary>
public static class LedgerBench
{
    public static int Run(int[] siloCounts, int cores)
    {
        foreach (var silos in siloCounts)
        {
            var ledger = new SlotLedger();
            var addresses = Enumerable.Range(0, silos).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 10_000 + i), 1)).ToArray();
            var active = addresses.ToHashSet();
            var now = DateTimeOffset.UtcNow;
            foreach (var silo in addresses) ledger.Report(silo, Report(silo, cores));
            var workers = Enumerable.Range(0, silos * cores).Select(i => GrainId.Create("worker", WorkerKey.Of($"s{i % 97}", i))).ToArray();
            foreach (var worker in workers) ledger.Reserve(worker, addresses, "", active, now);

            var rounds = Math.Max(200, 200_000 / workers.Length);
            var confirm = Time(rounds, i => ledger.Reserve(workers[i % workers.Length], addresses, "", active, now));
            var churn = Time(rounds, i =>
            {
                var worker = workers[i % workers.Length];
                ledger.Release(worker);
                ledger.TryReserve(worker, "", active, now);
            });
            var report = Time(rounds, i => ledger.Report(addresses[i % silos], Report(addresses[i % silos], cores)));
            var listing = Time(Math.Max(20, rounds / 50), _ => ledger.Agents(active));
            Output.Emit("ledger", new
            {
                silos,
                cores_per_silo = cores,
                holders = workers.Length,
                confirm_us = confirm,
                release_and_reserve_us = churn,
                report_us = report,
                listing_us = listing,
            });
        }

        // Orleans' membership protocol as this version sets it by default (what the scale model counts per silo).
        var membership = new Orleans.Configuration.ClusterMembershipOptions();
        Output.Emit("membership-defaults", new
        {
            probed_silos = membership.NumProbedSilos,
            probe_timeout_s = membership.ProbeTimeout.TotalSeconds,
            i_am_alive_s = membership.IAmAliveTablePublishTimeout.TotalSeconds,
            table_refresh_s = membership.TableRefreshTimeout.TotalSeconds,
            missed_probes_limit = membership.NumMissedProbesLimit,
            votes_for_death = membership.NumVotesForDeathDeclaration,
        });
        return 0;
    }

    // Microseconds per call of action, the median of 5 batches after a warm-up batch.
    private static double Time(int count, Action<int> action)
    {
        for (var i = 0; i < count; i++) action(i);
        var batches = new List<double>();
        for (var batch = 0; batch < 5; batch++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++) action(i);
            batches.Add(clock.Elapsed.TotalMicroseconds / count);
        }

        batches.Sort();
        return Math.Round(batches[2], 2);
    }

    private static AgentInfo Report(SiloAddress silo, int cores) =>
        new() { Silo = silo.ToString(), Host = $"host-{silo.Endpoint.Port}", Cores = cores, Reported = DateTimeOffset.UtcNow };
}
