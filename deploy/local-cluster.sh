#!/usr/bin/env bash
# A Pyfi cluster on this machine: N silos on loopback ports against one PostgreSQL database, each with its
# own data folder. For trying a cluster out, and what the cluster tests use.
#   deploy/local-cluster.sh start N DIR     start N silos (PYFI_POSTGRES names the database; PYFI_CORES, the
#                                           cores each offers, default: this machine's); waits until all serve
#   deploy/local-cluster.sh stop DIR        stop them (SIGTERM: each finishes what it can and leaves cleanly)
# DIR/silos.tsv gets a line per silo: index, pid, pyfi gateway (host:port), silo port, data folder; and
# DIR/silo-I.log its output. On a new database one silo makes the first admin token; DIR/admin.token links to it.
# Point the tool at any gateway: PYFI_TOKEN_FILE=DIR/admin.token pyfi --gateway 127.0.0.1:PORT ls agents.
# The silo run is `dotnet src/Silo/bin/Release/net10.0/Pyfi.Silo.dll` unless PYFI_SILO names another command.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
silo_command=${PYFI_SILO:-dotnet $root/src/Silo/bin/Release/net10.0/Pyfi.Silo.dll}
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

start() {
  local count=$1 dir=$2
  [ -n "${PYFI_POSTGRES:-}" ] || { echo "PYFI_POSTGRES must name the cluster's PostgreSQL database" >&2; exit 2; }
  mkdir -p "$dir"
  : >"$dir/silos.tsv"
  for i in $(seq 1 "$count"); do
    local data="$dir/silo-$i" gateway silo_port
    gateway=$(free_port); silo_port=$(free_port)
    mkdir -p "$data"
    # setsid: the silo outlives this script, and a stop signals only it.
    PYFI_DATA="$data" PYFI_STORAGE=postgres PYFI_SILO_PORT="$silo_port" PYFI_GATEWAY_PORT="$gateway" \
      PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT="${PYFI_DASHBOARD_PORT:-0}" \
      setsid $silo_command >"$dir/silo-$i.log" 2>&1 </dev/null &
    printf '%s\t%s\t127.0.0.1:%s\t%s\t%s\n' "$i" "$!" "$gateway" "$silo_port" "$data" >>"$dir/silos.tsv"
  done

  while IFS=$'\t' read -r i pid gateway _ _; do
    for _ in $(seq 600); do
      grep -qs "Pyfi silo ready" "$dir/silo-$i.log" && break
      kill -0 "$pid" 2>/dev/null || { echo "silo $i exited:" >&2; cat "$dir/silo-$i.log" >&2; exit 1; }
      sleep 0.1
    done
    grep -q "Pyfi silo ready" "$dir/silo-$i.log" || { echo "silo $i was not ready within 60 s" >&2; exit 1; }
    echo "silo $i ready: gateway $gateway (pid $pid)"
  done <"$dir/silos.tsv"

  local token
  for token in "$dir"/silo-*/admin.token; do
    [ -f "$token" ] || continue
    ln -sfn "${token#"$dir"/}" "$dir/admin.token"
    echo "admin token: $dir/admin.token"
  done
}

stop() {
  local dir=$1
  [ -f "$dir/silos.tsv" ] || { echo "no cluster in $dir" >&2; exit 2; }
  while IFS=$'\t' read -r i pid _ _ _; do
    kill -TERM "$pid" 2>/dev/null && echo "silo $i stopping (pid $pid)" || true
  done <"$dir/silos.tsv"
  while IFS=$'\t' read -r _ pid _ _ _; do
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done <"$dir/silos.tsv"
}

case "${1:-}" in
  start) [ "$#" -eq 3 ] || { echo "usage: $0 start N DIR" >&2; exit 2; }; start "$2" "$3" ;;
  stop) [ "$#" -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: $0 start N DIR | stop DIR" >&2; exit 2 ;;
esac
