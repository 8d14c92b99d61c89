# Sourced by test.sh and the benchmarks: a throwaway PostgreSQL server of our own on 127.0.0.1, so nothing
# global is touched. Installs PostgreSQL from Debian when it is missing.
#   private_postgres_start DIR   -> sets PRIVATE_POSTGRES (an Npgsql connection string) and PRIVATE_POSTGRES_PORT
#   private_postgres_stop DIR
private_postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
# Whether Debian's postgresql package (its binaries and its postgres user) still has to be installed.
private_postgres_missing() { [ -z "$(private_postgres_bin)" ] || ! id postgres >/dev/null 2>&1; }

private_postgres_start() {
  local dir=$1
  if private_postgres_missing; then
    echo "installing PostgreSQL from Debian" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local bin port
  bin=$(private_postgres_bin)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  mkdir -p "$dir" && chown postgres:postgres "$dir"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null
  PRIVATE_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  PRIVATE_POSTGRES_PORT=$port
  export PRIVATE_POSTGRES PRIVATE_POSTGRES_PORT
  echo "PostgreSQL ($bin) on 127.0.0.1:$port" >&2
}

private_postgres_stop() {
  local bin
  bin=$(private_postgres_bin)
  [ -d "$1/data" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$1/data" -m fast stop >/dev/null 2>&1 || true
}
