#!/usr/bin/env bash
# Runs Pyfi's test suite on this machine: builds the solution and the native pyfi tool, starts a private PostgreSQL server on
# 127.0.0.1 (installing PostgreSQL from Debian first if it is missing), runs the tests, and ends with the
# line "N passed, N failed[, N skipped]" computed from the test results. Exits non-zero on any failure.
#   ./test.sh                        everything: the fast tier first, then the rest
#   ./test.sh --fast                 the fast tier alone (tests marked [Trait("Category", "Fast")]: no process,
#                                    no PostgreSQL, no browser), without starting PostgreSQL
#   ./test.sh --filter Name~Socket   only the tests the dotnet test filter selects
#   ./test.sh --fast --filter X      the fast tests the filter selects
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
configuration=${PYFI_TEST_CONFIGURATION:-Release}
fast=false
if [ "${1:-}" = "--fast" ]; then fast=true; shift; fi
work=$(mktemp -d /tmp/pyfi-test.XXXXXX)
chmod 755 "$work"
. scripts/private-postgres.sh

cleanup() { private_postgres_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
# What the slower tier needs from Debian (PostgreSQL; chromium, for the pages tested in a real browser; clang-14 and
# zlib to link the native pyfi tool) is installed beside the build, in one apt-get (it takes dpkg's lock), and waited
# for after it: on a fresh machine that is a minute of the suite's wall time.
installing=""
if ! $fast; then
  missing=()
  if private_postgres_missing; then missing+=(postgresql); fi
  if ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
  if ! command -v clang-14 >/dev/null 2>&1 || [ ! -e /usr/include/zlib.h ]; then missing+=(clang-14 zlib1g-dev); fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian (beside the build)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >"$work/apt.log" 2>&1 &
    installing=$!
  fi
fi
export PYFI_TEST_ARTIFACTS="$root/artifacts/test"
# The chaos tests write one line each (submitted / succeeded / failed / lost / duplicated) here.
export PYFI_CHAOS_REPORT="$work/chaos.txt"

echo "== building ($configuration)"
dotnet build Orleans.sln -c "$configuration" -nologo -clp:ErrorsOnly
if ! $fast; then
  if [ -n "$installing" ] && ! wait "$installing"; then
    echo "installing from Debian failed:" >&2; cat "$work/apt.log" >&2; exit 1
  fi
  # The tests run the pyfi tool as users get it: a Native AOT binary (linked by clang-14 with zlib). This also
  # proves the tool stays AOT-clean, and a run costs ~0.06 s of CPU instead of ~0.3 s JIT-compiled: the suite runs it
  # thousands of times. Published to artifacts/cli, so a second run only links again when the tool changed. It is
  # published while the fast tier runs (which needs no tool): ~90 s on a fresh clone. It writes only src/Cli's
  # linux-x64 folders; the projects it references are already built, so the assemblies the tests load stay as they are.
  echo "== publishing the pyfi tool (Native AOT), beside the fast tier"
  dotnet publish src/Cli -c "$configuration" -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=clang-14 \
    -nologo -clp:ErrorsOnly -o "$root/artifacts/cli" >"$work/publish.log" 2>&1 &
  publishing=$!
  private_postgres_start "$work/pg"
  export PYFI_TEST_POSTGRES="$PRIVATE_POSTGRES"
fi

results="$work/results"
tests() {
  dotnet test Orleans.sln -c "$configuration" --no-build -nologo \
    --logger "trx;LogFilePrefix=pyfi" --logger "console;verbosity=normal" --results-directory "$results" "$@"
}
# The fast tier runs with PYFI_TEST_TIER=fast: a test marked fast that starts a process or reaches PostgreSQL
# through the test helpers fails (test/Pyfi.Tests/Infrastructure/FastTier.cs).
status=0
set +e
if $fast || [ $# -eq 0 ]; then
  echo "== testing the fast tier"
  # `./test.sh --fast --filter X` runs the fast tests X selects (dotnet test takes one filter: the two are joined).
  if [ "${1:-}" = "--filter" ] && [ $# -ge 2 ]; then
    filter="Category=Fast&($2)"; shift 2
  else
    filter="Category=Fast"
  fi
  PYFI_TEST_TIER=fast tests --filter "$filter" "$@" || status=1
fi
if ! $fast; then
  if ! wait "$publishing"; then echo "publishing the pyfi tool failed:" >&2; cat "$work/publish.log" >&2; exit 1; fi
  # Named only now: the test helpers check that the tool it names exists (in the fast tier too, which runs without it).
  export PYFI_TEST_CLI="$root/artifacts/cli/pyfi"
fi
if ! $fast && [ $# -eq 0 ]; then
  echo "== testing the rest"
  tests --filter "Category!=Fast" || status=1
elif ! $fast; then
  echo "== testing"
  tests "$@" || status=1
fi
set -e

summary=$(python3 "$root/.ci/trx_summary.py" "$results")
# PYFI_TEST_RESULTS=DIR keeps a copy of this run's .trx results (scripts/test-timeline.py explains a run's wall time
# from them). A copy: the summary above reads this run's own folder, never results an earlier run left in DIR.
if [ -n "${PYFI_TEST_RESULTS:-}" ]; then mkdir -p "$PYFI_TEST_RESULTS" && cp "$results"/*.trx "$PYFI_TEST_RESULTS"/ 2>/dev/null || true; fi
echo
if [ -s "$PYFI_CHAOS_REPORT" ]; then echo "== chaos"; cat "$PYFI_CHAOS_REPORT"; fi
echo "$summary"
if [ "$status" -ne 0 ] || ! grep -q ' 0 failed' <<<"$summary"; then exit 1; fi
