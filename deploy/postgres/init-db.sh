#!/usr/bin/env bash
# Applies Pyfi's PostgreSQL schema with psql, in one transaction per script. Safe to run again.
#   deploy/postgres/init-db.sh postgresql://user:password@host:5432/pyfi
#   deploy/postgres/init-db.sh -h host -U user -d pyfi        (any psql connection arguments)
# The same scripts are applied by `pyfi db init` and by silos at start (Pyfi:Storage:ApplySchema).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sql="$here/../../src/Storage/Sql"
[ "$#" -gt 0 ] || { echo "usage: $0 <psql connection string or arguments>" >&2; exit 2; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
while read -r script; do
  [ -n "$script" ] || continue
  psql "$@" -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$sql/$script" >/dev/null
  echo "applied $script"
done <"$sql/PostgreSQL.order"
