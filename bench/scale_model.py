"""Pyfi past one machine, by arithmetic: from per-call costs measured here (bench/cluster.sh, bench/scale.sh's ledger
figures), what 10 and 100 hosts of 16 cores would do, and which resource runs out first.

These machines have 2 cores, so a cluster here cannot show a speedup; what it can show is what each part costs per
call. The model charges every call those costs and finds, for each resource, the rate at which it is used up:

  silo hosts   H x (16 cores - a silo's idle share) / (socket's silo + cluster surcharge + Python + function) CPU per call
  database     D cores / PostgreSQL CPU per call            (one server of D cores on its own host)
  writers      writers x one writer's calls/s               (a socket partition writes through its own writer)
  ledger       1 / (its CPU per message + a grain message)  (one activation for the cluster: a load, not per call)
  membership   Orleans' probes, I-am-alive writes and table reads per second (a load, not per call)

The smallest of the first three is the cluster's calls/s; the ledger and membership rows say how busy those single
points are at that size. Prints a Markdown table. Inputs (all optional):
  python3 bench/scale_model.py [--cluster CLUSTER.jsonl] [--ledger LEDGER.jsonl] [--db-cores 16] [--hosts 1,10,100]
CLUSTER.jsonl: bench/cluster.sh's JSON lines (its 1-silo PostgreSQL and 2-3 silo throughput rounds give the costs);
LEDGER.jsonl: `Pyfi.Bench ledger` lines. Without them the costs measured on 2026-11-26 and 2026-12-02 are used.
"""
import argparse
import json
import statistics

# Measured costs, ms of CPU per noop call unless said (bench/README.md, "cluster.sh" and "scale.sh").
MEASURED = {
    "socket_silo_ms": 0.23,      # the silo holding the socket, 1 silo, PostgreSQL (cluster.sh 2026-11-26)
    "surcharge_ms": 0.17,        # more per call on 2-3 silos: forwarding, slots on other silos (0.84-0.85 vs 0.67 ms)
    "python_ms": 0.04,           # the Python worker's own cost of a noop
    "postgres_ms": 0.40,         # PostgreSQL's processes per noop call (an insert, and an update: the start folded in)
    "postgres_long_ms": 1.0,     # per call that runs long enough for its start to be stored apart (three writes;
                                 # cluster.sh: 1.0-1.8 ms for 20 ms calls, in small transactions at ~80 calls/s)
    "writer_calls_per_s": 1629,  # one socket, one writer, one silo on PostgreSQL: the calls/s a writer carries
    "idle_silo_cores": 0.035,    # an idle silo process (30 s sample): its timers, reports, membership
    "grain_message_ms": 0.05,    # one grain message between silos, both ends (the forwarding share of the surcharge)
}
# The ledger's CPU per message (µs) by cluster size, from `Pyfi.Bench ledger` (2026-12-02, after its O(1) rewrite).
LEDGER_US = {1: {"confirm": 0.8, "churn": 1.1, "report": 0.2}, 10: {"confirm": 3.5, "churn": 5.0, "report": 0.2},
             100: {"confirm": 7.1, "churn": 10.8, "report": 0.2}, 1000: {"confirm": 98.9, "churn": 213.9, "report": 0.2}}
# Orleans 10's membership defaults (`Pyfi.Bench ledger` prints them): probes per silo per probe period, and periods.
MEMBERSHIP = {"probed_silos": 10, "probe_timeout_s": 5, "i_am_alive_s": 30, "table_refresh_s": 60}
CORES_PER_HOST = 16
CONFIRM_EVERY_S = 10   # each worker holding a core confirms it (WorkerGrain)
REPORT_EVERY_S = 2     # each silo's NodeReporter
# A workload: the function's CPU per call, and which PostgreSQL cost applies.
FUNCTION_MS = {"noop": (0.0, "postgres_ms"), "20 ms of CPU": (20.0, "postgres_long_ms")}


def lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]


def from_cluster(path):
    """The costs from bench/cluster.sh's throughput lines: 1-silo PostgreSQL rounds and the 2-3 silo rounds."""
    rows = [r for r in lines(path) if r.get("workload") == "throughput" and r.get("system") == "pyfi-cluster"]
    one = [r for r in rows if r["silos"] == 1 and "postgres" in r["cpu_ms_per_call"]]
    many = [r for r in rows if r["silos"] > 1]
    if not one:
        return {}
    med = lambda xs: statistics.median(xs) if xs else None
    ours = lambda r: sum(v for k, v in r["cpu_ms_per_call"].items() if k != "machine" and k != "client")
    costs = {
        "socket_silo_ms": med([sum(v for k, v in r["cpu_ms_per_call"].items() if k.startswith("silo-") and not k.endswith("+")) for r in one]),
        "python_ms": med([sum(v for k, v in r["cpu_ms_per_call"].items() if k.startswith("silo-") and k.endswith("+")) for r in one]),
        "postgres_ms": med([r["cpu_ms_per_call"].get("postgres", 0) + r["cpu_ms_per_call"].get("postgres+", 0) for r in one]),
        "writer_calls_per_s": med([r["calls_per_s"] for r in one]),
    }
    if many:
        costs["surcharge_ms"] = max(0.0, med([ours(r) for r in many]) - med([ours(r) for r in one]))
    return {k: v for k, v in costs.items() if v is not None}


def from_ledger(path):
    table, membership = {}, {}
    for r in lines(path):
        if r.get("workload") == "ledger":
            table[r["silos"]] = {"confirm": r["confirm_us"], "churn": r["release_and_reserve_us"], "report": r["report_us"]}
        elif r.get("workload") == "membership-defaults":
            membership = {k: r[k] for k in MEMBERSHIP}
    return table, membership


def ledger_cost(ledger, hosts):
    """µs per message at this size: the measured size at or above it (the cost grows with the cluster)."""
    sizes = sorted(ledger)
    size = next((s for s in sizes if s >= hosts), sizes[-1])
    return ledger[size]


def model(costs, ledger, membership, hosts, db_cores, function, writers):
    function_ms, postgres = function
    cores = CORES_PER_HOST
    surcharge = costs["surcharge_ms"] if hosts > 1 else 0.0
    per_call = costs["socket_silo_ms"] + surcharge + costs["python_ms"] + function_ms
    silo_bound = hosts * (cores - costs["idle_silo_cores"]) / per_call * 1000
    db_bound = db_cores / costs[postgres] * 1000
    writer_bound = writers * costs["writer_calls_per_s"]
    bounds = {"silo hosts' CPU": silo_bound, "PostgreSQL's CPU": db_bound, "socket writers": writer_bound}
    limit = min(bounds, key=bounds.get)
    rate = bounds[limit]

    # The ledger: every worker confirms its core every 10 s, every silo reports every 2 s, and (the worst case) every
    # slot lets its core go and takes it again twice a second (idle 500 ms between bursts).
    per = ledger_cost(ledger, hosts)
    holders = hosts * cores
    msg_ms = costs["grain_message_ms"]
    steady = holders / CONFIRM_EVERY_S * (per["confirm"] / 1000 + msg_ms) + hosts / REPORT_EVERY_S * (per["report"] / 1000 + msg_ms)
    churn = holders * 2 * (per["churn"] / 1000 + msg_ms)
    # Membership: each silo probes NumProbedSilos others per probe period (a ping and its answer), writes I-am-alive,
    # and reads the whole table (one row per silo) each refresh period.
    probes = hosts * membership["probed_silos"] / membership["probe_timeout_s"]
    table_writes = hosts / membership["i_am_alive_s"]
    rows_read = hosts * hosts / membership["table_refresh_s"]
    return {
        "hosts": hosts, "cores": hosts * cores, "writers": writers, "per_call_ms": per_call,
        "bounds": bounds, "limit": limit, "rate": rate,
        "ledger_steady": steady / 1000, "ledger_churn": churn / 1000,
        "probes": probes, "table_writes": table_writes, "rows_read": rows_read,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster")
    parser.add_argument("--ledger")
    parser.add_argument("--db-cores", type=int, default=16)
    parser.add_argument("--hosts", default="1,10,100")
    args = parser.parse_args()
    costs, ledger, membership = dict(MEASURED), dict(LEDGER_US), dict(MEMBERSHIP)
    if args.cluster:
        costs.update(from_cluster(args.cluster))
    if args.ledger:
        measured, defaults = from_ledger(args.ledger)
        ledger.update(measured)
        membership.update(defaults)
    hosts_list = [int(h) for h in args.hosts.split(",")]

    print("Costs used (ms of CPU per call unless said): " + ", ".join(f"{k} {v:g}" for k, v in costs.items()))
    print(f"PostgreSQL: one server of {args.db_cores} cores. Hosts: {CORES_PER_HOST} cores each, one silo each.")
    print()
    print("| function | hosts (cores) | socket writers | silo CPU per call, ms | bound: silo hosts / PostgreSQL / writers, calls/s | "
          "calls/s | runs out first | ledger busy: steady / worst churn | membership: probes/s, table writes/s, rows read/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, function in FUNCTION_MS.items():
        for hosts in hosts_list:
            # One socket unpartitioned (one writer), then partitioned one per host (--partitions auto).
            for writers in sorted({1, hosts}):
                m = model(costs, ledger, membership, hosts, args.db_cores, function, writers)
                silo, db, writer = m["bounds"].values()
                print(f"| {name} | {hosts} ({m['cores']}) | {writers} | {m['per_call_ms']:.2f} | "
                      f"{silo:,.0f} / {db:,.0f} / {writer:,.0f} | "
                      f"{m['rate']:,.0f} | {m['limit']} | {m['ledger_steady']:.1%} / {m['ledger_churn']:.1%} | "
                      f"{m['probes']:,.0f}, {m['table_writes']:.1f}, {m['rows_read']:,.0f} |")


if __name__ == "__main__":
    main()
