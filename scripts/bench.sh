#!/usr/bin/env bash
# make bench: runs every Google Benchmark program built in BUILD_DIR/bench/ (*_bench), then
# the end-to-end benchmark (bench/e2e_bench.py: ferris-sql beside DuckDB, DESIGN.md §3),
# then the stateful one (bench/stateful_bench.py: windows, OVER, state size, checkpoints).
#
#   scripts/bench.sh build/release
#
# Google Benchmark results also go to build/bench-<name>.json; the end-to-end figures to
# build/bench-e2e.json and build/bench-stateful.json. Extra arguments may be given in
# FERRIS_E2E_ARGS for e2e_bench.py (e.g. FERRIS_E2E_ARGS="--records 1000000 --repeat 3")
# and FERRIS_STATEFUL_ARGS for stateful_bench.py (e.g. "--workloads tumbling,sliding").
# Last, the Kafka → SQL → Kafka benchmark (bench/kafka_bench.py: starts a broker of its own
# with scripts/kafka.sh, ≈ 5 minutes) writes build/bench-kafka.json; FERRIS_KAFKA_BENCH_ARGS
# passes it extra arguments (e.g. "--records 200000 --skip-sweep").
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
BUILD_DIR="$1"
mkdir -p build

echo "== CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) logical CPUs)"

benches=()
if [[ -d "$BUILD_DIR/bench" ]]; then
  while IFS= read -r -d '' exe; do
    benches+=("$exe")
  done < <(find "$BUILD_DIR/bench" -maxdepth 1 -type f -name '*_bench' -perm -u+x -print0 | sort -z)
fi

if (( ${#benches[@]} == 0 )); then
  echo "== no Google Benchmark programs were built in $BUILD_DIR/bench (*_bench); skipping"
else
  for exe in "${benches[@]}"; do
    name="$(basename "$exe")"
    echo "== $name"
    "$exe" --benchmark_min_time=0.2 \
      --benchmark_out="build/bench-$name.json" --benchmark_out_format=json
  done
fi

echo "== end to end: ferris-sql vs DuckDB"
# shellcheck disable=SC2086  # FERRIS_E2E_ARGS is a list of words
python3 bench/e2e_bench.py --ferris-sql "$BUILD_DIR/src/apps/ferris-sql" \
  --json-out build/bench-e2e.json ${FERRIS_E2E_ARGS:-}

echo "== end to end, stateful queries: ferris-sql (DuckDB beside the tumbling window)"
# shellcheck disable=SC2086  # FERRIS_STATEFUL_ARGS is a list of words
python3 bench/stateful_bench.py --ferris-sql "$BUILD_DIR/src/apps/ferris-sql" \
  --json-out build/bench-stateful.json ${FERRIS_STATEFUL_ARGS:-}

echo "== end to end through Kafka: ferris-sql beside raw librdkafka consume + produce"
# shellcheck disable=SC2086  # FERRIS_KAFKA_BENCH_ARGS is a list of words
python3 bench/kafka_bench.py --build "$BUILD_DIR" \
  --json-out build/bench-kafka.json ${FERRIS_KAFKA_BENCH_ARGS:-}
