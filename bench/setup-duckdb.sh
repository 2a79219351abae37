#!/usr/bin/env bash
# Creates bench/.venv with DuckDB from PyPI: the yardstick of the end-to-end benchmark
# (bench/e2e_bench.py, DESIGN.md §3). Idempotent: does nothing when the venv already
# imports the wanted DuckDB version.
#
#   bench/setup-duckdb.sh            # venv at bench/.venv, DuckDB $DUCKDB_VERSION
#   DUCKDB_VERSION=1.5.6 bench/setup-duckdb.sh
#
# Prints the venv's python path on its last line.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${FERRIS_BENCH_VENV:-$BENCH_DIR/.venv}"
# Pinned so that figures in BENCHMARKS.md stay comparable between runs.
DUCKDB_VERSION="${DUCKDB_VERSION:-2.0.1}"
PY="$VENV/bin/python"

have_duckdb() {
  [[ -x "$PY" ]] && "$PY" - "$DUCKDB_VERSION" <<'EOF' >/dev/null 2>&1
import sys, duckdb
sys.exit(0 if duckdb.__version__ == sys.argv[1] else 1)
EOF
}

if have_duckdb; then
  echo "$PY"
  exit 0
fi

if [[ ! -x "$PY" ]]; then
  echo "setup-duckdb: creating $VENV" >&2
  python3 -m venv "$VENV"
fi
echo "setup-duckdb: installing duckdb==$DUCKDB_VERSION into $VENV" >&2
"$PY" -m pip install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" >&2

if ! have_duckdb; then
  echo "setup-duckdb: duckdb $DUCKDB_VERSION does not import from $VENV" >&2
  exit 1
fi
echo "$PY"
