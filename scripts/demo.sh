#!/usr/bin/env bash
# `make demo`: runs the trading sample app with ferris-sql on generated sample data.
# Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: demo.sh BUILD_DIR}
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

data=examples/data
if [[ ! -s $data/trades.jsonl || ! -s $data/quotes.jsonl ]]; then
  echo "== generating the sample market data (fixed seed) into $data/"
  python3 examples/generate_trading_data.py --out-dir "$data" --trades 100000 --quotes 100000 \
    --bad-records 25 --quiet
fi
echo "== input: $(wc -l < $data/trades.jsonl) trade lines, $(wc -l < $data/quotes.jsonl) quote lines"
echo "== running: ferris-sql run examples/trading/app.sql"
echo
sed -n '/^CREATE STREAM large_trades/,/^WITH/p' examples/trading/app.sql | sed 's/^/    /'
echo
"$build_dir/src/apps/ferris-sql" run --no-progress examples/trading/app.sql

out=examples/out
echo
echo "== output"
printf '  %-34s %8s rows\n' "$out/large_trades.jsonl" "$(wc -l < $out/large_trades.jsonl)"
printf '  %-34s %8s rows (plus a header line)\n' "$out/quote_spreads.csv" "$(($(wc -l < $out/quote_spreads.csv) - 1))"
printf '  %-34s %8s bad records, each with its line and reason\n' "$out/trades_dlq.jsonl" "$(wc -l < $out/trades_dlq.jsonl)"
echo
echo "== first large trades"
head -n 3 $out/large_trades.jsonl | sed 's/^/  /'
echo "== first quote spreads"
head -n 4 $out/quote_spreads.csv | sed 's/^/  /'
echo "== first dead letter"
head -n 1 $out/trades_dlq.jsonl | sed 's/^/  /'

echo
echo "== running: ferris-sql run examples/trading/analytics.sql (bars, moving statistics, outliers)"
echo
sed -n '/^CREATE STREAM moving_stats/,/^FROM trades/p' examples/trading/analytics.sql | sed 's/^/    /'
echo
"$build_dir/src/apps/ferris-sql" --log-level error run --no-progress examples/trading/analytics.sql
echo "== output"
printf '  %-34s %8s rows (one per symbol and minute)\n' "$out/ohlc_1m.jsonl" "$(wc -l < $out/ohlc_1m.jsonl)"
printf '  %-34s %8s rows (every trade with its 5-minute statistics)\n' "$out/moving_stats.jsonl" "$(wc -l < $out/moving_stats.jsonl)"
printf '  %-34s %8s rows (beyond the moving average ± 3 sigma)\n' "$out/outliers.jsonl" "$(wc -l < $out/outliers.jsonl)"
echo "== first bars"
head -n 3 $out/ohlc_1m.jsonl | sed 's/^/  /'
echo "== first moving statistics"
sed -n '30,32p' $out/moving_stats.jsonl | sed 's/^/  /'
echo "== first outliers"
head -n 3 $out/outliers.jsonl | sed 's/^/  /'
