#!/usr/bin/env bash
# `make check-extra`: a ThreadSanitizer build running the runtime tests, and a libFuzzer
# smoke run (60 s each) of the SQL parser and each decoder. Needs clang-14 (installed by
# FERRIS_EXTRA_DEPS=1 scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${FUZZ_SECONDS:-60}

echo "== TSan build"
cmake --preset tsan > /dev/null
cmake --build build/tsan -j "${JOBS:-2}"
echo "== TSan: runtime tests (SQL-file tests, end-to-end runs, unit tests)"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build/tsan --output-on-failure -j "${JOBS:-2}" --timeout 900 -LE kafka
echo "== TSan: Kafka tests (a broker of their own; librdkafka's C11 threads made visible to TSan)"
# Debian's librdkafka runs on C11 threads, which TSan does not intercept: the shim gives it
# threads, locks and conditions made of the pthread calls TSan sees (tests/tsan/).
clang-14 -shared -fPIC -O1 -o build/tsan/libc11_threads_shim.so tests/tsan/c11_threads_shim.c -lpthread
export FERRIS_KAFKA_RUN="$(realpath build/tsan)/kafka-run"
trap 'scripts/kafka.sh stop' EXIT
FERRIS_KAFKA_BOOTSTRAP=$(scripts/kafka.sh start)
export FERRIS_KAFKA_BOOTSTRAP
LD_PRELOAD="$(realpath build/tsan/libc11_threads_shim.so)" \
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(realpath tests/tsan/suppressions.txt)" \
  ctest --test-dir build/tsan --output-on-failure -j 1 --timeout 900 -L kafka
scripts/kafka.sh stop
trap - EXIT

echo "== libFuzzer build"
cmake --preset fuzz > /dev/null
cmake --build build/fuzz -j "${JOBS:-2}" --target sql_parser_fuzz json_decoder_fuzz csv_decoder_fuzz avro_decoder_fuzz
for target in sql_parser json_decoder csv_decoder avro_decoder; do
  echo "== fuzzing ${target} for ${fuzz_seconds}s"
  work=$(mktemp -d)
  cp tests/fuzz/corpus/${target}/* "$work"/
  build/fuzz/tests/fuzz/${target}_fuzz -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work" 2>&1 | tail -n 12
  rm -rf "$work"
done
echo "== check-extra passed"
