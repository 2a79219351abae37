#!/usr/bin/env bash
# `make demo-kafka`: the trading sample app, Kafka to Kafka. Starts a broker of its own
# (scripts/kafka.sh), creates the topics, produces the sample trades and quotes into them,
# runs examples/trading/app_kafka.sql with bounded sources, prints what reached the output
# topics, and stops the broker.
# Usage: scripts/demo-kafka.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: demo-kafka.sh BUILD_DIR}
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
ferris_sql="$build_dir/src/apps/ferris-sql"
tool="$build_dir/examples/kafka-topic-tool"
[[ -x $ferris_sql && -x $tool ]] || { echo "demo-kafka: build $build_dir first (make build-release)" >&2; exit 1; }

data=examples/data
if [[ ! -s $data/trades.jsonl || ! -s $data/quotes.jsonl ]]; then
  echo "== generating the sample market data (fixed seed) into $data/"
  python3 examples/generate_trading_data.py --out-dir "$data" --trades 100000 --quotes 100000 \
    --bad-records 25 --quiet
fi

# The broker's run directory, the app with the broker's address filled in, and its
# checkpoints: all fresh on each run (a new broker has none of the old offsets).
work="$(realpath "$build_dir")/demo-kafka"
export FERRIS_KAFKA_RUN="$work/kafka-run"
scripts/kafka.sh stop
rm -rf "$work"
mkdir -p "$work"
trap 'scripts/kafka.sh stop' EXIT

echo "== starting a Kafka $(sed -n 's/^KAFKA_VERSION=//p' scripts/kafka.sh) broker (scripts/kafka.sh)"
bootstrap=$(scripts/kafka.sh start)
echo "   listening on $bootstrap"

echo "== creating topics: trades quotes large_trades quote_spreads trades_dlq"
for topic in trades quotes large_trades quote_spreads trades_dlq; do
  "$tool" create "$bootstrap" "$topic" 1
done
echo "== producing $(wc -l < $data/trades.jsonl) trade lines and $(wc -l < $data/quotes.jsonl) quote lines"
"$tool" produce "$bootstrap" trades "$data/trades.jsonl" | sed 's/^/   /'
"$tool" produce "$bootstrap" quotes "$data/quotes.jsonl" | sed 's/^/   /'

# ferris-sql does not substitute ${VAR} in SQL yet: the copy it runs has the address written in.
app="$work/app_kafka.sql"
sed "s|\${FERRIS_KAFKA_BOOTSTRAP}|$bootstrap|g" examples/trading/app_kafka.sql > "$app"
echo "== running: ferris-sql run examples/trading/app_kafka.sql (bootstrap.servers = $bootstrap)"
echo
sed -n '/^CREATE STREAM large_trades/,/^);/p' "$app" | sed 's/^/    /'
echo
"$ferris_sql" run --no-progress "$app"

echo
echo "== output topics (record counts and the first records)"
"$tool" dump "$bootstrap" large_trades 3
"$tool" dump "$bootstrap" quote_spreads 3
"$tool" dump "$bootstrap" trades_dlq 1
echo
echo "== stopping the broker"
