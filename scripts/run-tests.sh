#!/usr/bin/env bash
# `make test`: runs every test of a configured, built tree (unit, SQL-file, end-to-end,
# Kafka) with a Kafka broker of its own.
# Usage: scripts/run-tests.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: run-tests.sh BUILD_DIR}
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The Kafka broker the tests use (scripts/kafka.sh), started here and stopped on exit.
export FERRIS_KAFKA_RUN="$(realpath "$build_dir")/kafka-run"
trap 'scripts/kafka.sh stop' EXIT
FERRIS_KAFKA_BOOTSTRAP=$(scripts/kafka.sh start)
export FERRIS_KAFKA_BOOTSTRAP
echo "run-tests: Kafka broker at $FERRIS_KAFKA_BOOTSTRAP"

ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" --timeout 600
