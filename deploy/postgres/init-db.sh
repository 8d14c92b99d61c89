#!/usr/bin/env bash
# Brings a PostgreSQL database to this version's schema with psql alone: creates PyfiSchema (the migrations the
# database has), then applies each numbered migration (src/Storage/Sql/PostgreSQL/NNNN-*.sql) it does not have,
# each in one transaction with its row, under the advisory lock silos take. Safe to run again; refuses a
# database made by a newer Pyfi.
#   deploy/postgres/init-db.sh postgresql://user:password@host:5432/pyfi
#   deploy/postgres/init-db.sh -h host -U user -d pyfi        (any psql connection arguments)
# The same migrations are applied by `pyfi db init` and by silos at start (Pyfi:Storage:ApplySchema).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sql="$here/../../src/Storage/Sql/PostgreSQL"
[ "$#" -gt 0 ] || { echo "usage: $0 <psql connection string or arguments>" >&2; exit 2; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
psql_() { psql "$@" -X -q -v ON_ERROR_STOP=1; }
lock="SELECT pg_advisory_xact_lock(7365012);"

migrations=()
for f in "$sql"/[0-9]*.sql; do migrations+=("$(basename "$f")"); done
latest=$((10#${migrations[-1]%%-*}))

psql_ "$@" --single-transaction -c "$lock" -f "$sql/PyfiSchema.sql" >/dev/null
current=$(psql_ "$@" -tA -c "SELECT coalesce(max(Version), 0) FROM PyfiSchema")
if [ "$current" -gt "$latest" ]; then
  echo "$0: the database has schema version $current, newer than this Pyfi knows ($latest): use the Pyfi that made it" >&2
  exit 1
fi

for name in "${migrations[@]}"; do
  version=$((10#${name%%-*}))
  # In one transaction: take the lock, look again whether the migration is there, apply it and record it.
  out=$(psql_ "$@" --single-transaction -v version="$version" -v name="${name%.sql}" -f - <<SQL
$lock
SELECT NOT EXISTS (SELECT 1 FROM PyfiSchema WHERE Version = :version) AS needed \gset
\if :needed
\i $sql/$name
INSERT INTO PyfiSchema (Version, Name) VALUES (:version, :'name');
\echo applied
\endif
SQL
)
  [ "$out" = "applied" ] && echo "applied $name"
done
echo "schema at version $latest"
