# Sourced by every bench script (from the repository's root): progress lines, free ports on 127.0.0.1, and the
# processor repository with the bench functions.
say() { echo "== $*" >&2; }
free_port() { python3 - <<'PY'
# A free port below the kernel's ephemeral range: one from that range may become some client connection's local
# end before the silo binds it.
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(10000):
    port = random.randrange(10000, low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        s.close()
PY
}

# bench_repo DIR: a git repository at DIR holding bench/tasks/bench_tasks.py (the peers' functions and spin).
bench_repo() {
  mkdir -p "$1" && cp bench/tasks/bench_tasks.py "$1/"
  git -C "$1" init -q -b main && git -C "$1" add -A && git -C "$1" -c user.email=b@pyfi -c user.name=bench commit -qm bench
}

# bench_network TREE: through TREE's pyfi tool (a checkout built in Release), on the silo PYFI_GATEWAY and
# PYFI_TOKEN_FILE name, the bench network: queue bench, processor bench (the repository made by bench_repo at
# $work/repo) and sockets bench.noop, bench.busy, bench.inc and bench.total with 2 slots each.
bench_network() {
  local pyfi=(dotnet "$1/src/Cli/bin/Release/net10.0/pyfi.dll")
  "${pyfi[@]}" add queue -n bench >/dev/null
  "${pyfi[@]}" add processor -n bench -g "$work/repo" -m bench_tasks >/dev/null
  for f in noop busy inc total; do "${pyfi[@]}" add socket -n "bench.$f" -q bench -pn bench -t "$f" -c 2 >/dev/null; done
}
