#!/usr/bin/env python3
"""Deterministic generator of realistic equity trades and quotes for FerrisStreams.

Used by the trading demo (``make demo``), by tests of bad-record handling, and by the
end-to-end benchmark (``bench/e2e_bench.py``). Python 3.11 standard library only.

The same ``--seed`` and counts always give byte-identical files, on any machine.

Usage::

    python3 examples/generate_trading_data.py --out-dir examples/data
    python3 examples/generate_trading_data.py --trades 5000000 --quotes 0 \\
        --no-string-prices --trades-file bench/data/trades_5000000.jsonl
    python3 examples/generate_trading_data.py --format csv --out-dir /tmp/csv
    python3 examples/generate_trading_data.py --trades 1000 --bad-records 10 --out-dir /tmp/bad

Output files (in ``--out-dir``, default ``examples/data``): ``trades.jsonl`` and
``quotes.jsonl`` (``.csv`` with ``--format csv``); ``--trades-file`` / ``--quotes-file``
override either path. A count of 0 writes no file for that stream.

Trade schema (one JSON object per line, fields in this order)::

    trade_id   STRING          "TR00000001", "TR00000002", ... unique, in generation order
    symbol     STRING          one of ~20 US equities (AAPL, MSFT, NVDA, ...)
    trader_id  STRING          "T001" .. "T200" (some traders far more active than others)
    side       STRING          "BUY" | "SELL"
    venue      STRING          "XNAS" | "XNYS" | "ARCX" | "BATS"
    price      DECIMAL(18,4)   JSON number with 2 or 4 decimals (187.23, 187.2345); about 10 %
                               of records carry it as a JSON string with exactly 4 decimals
                               ("187.2300") unless --no-string-prices
    quantity   BIGINT          1 .. 5000, skewed toward round lots of 100
    trade_time BIGINT          event time, epoch milliseconds

Quote schema::

    symbol     STRING
    bid        DECIMAL(18,4)   same number/string convention as price; bid < ask
    ask        DECIMAL(18,4)   spread of 2..4 ticks of 0.01
    bid_size   BIGINT          100 .. 5000, multiples of 100
    ask_size   BIGINT          100 .. 5000, multiples of 100
    quote_time BIGINT          event time, epoch milliseconds

CSV (``--format csv``) has a header line with the same column names, and prices always
as plain numbers (never quoted).

Market model. Trades and quotes are drawn from one merged event sequence so that trades
happen at or near the prevailing quote: each event is a trade or a quote (in proportion to
the counts still to write), picks a symbol (weighted by activity), moves that symbol's mid
price by a small random walk in ticks of 0.01 from a realistic base price, and advances a
market clock starting at 2026-01-05T14:30:00Z (US open) by an exponential gap
(``--mean-gap-ms``, default 10 ms per event). Buys mostly execute at the ask and sells at
the bid; some execute inside the spread at sub-penny prices (4 decimals). The written event
time is the clock minus a delay: 0 for most records, 1..5 ms for about 10 %, and up to
2,000 ms for about 0.1 %, so event time increases with small out-of-orderness.

Bad records. ``--bad-records K`` inserts K malformed lines into the trades file at seeded
positions, in addition to the ``--trades`` valid ones (the valid records are identical to
a run without bad records). The kinds cycle through: ``truncated`` (a JSON object cut in
the middle), ``price_scale`` (a price with 6 decimals, 1.234567, more than DECIMAL(18,4)
allows) and ``quantity_string`` (quantity "abc"). Their trade ids are "BAD00001", ...
A manifest ``<trades file>.bad.json`` lists each one's 1-based line number and kind.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import sys
import time
from datetime import datetime, timezone

# --------------------------------------------------------------------------------------
# Market reference data
# --------------------------------------------------------------------------------------

# symbol, base price in dollars (around January 2026), relative activity weight
SYMBOLS: list[tuple[str, str, int]] = [
    ("AAPL", "187.23", 14),
    ("MSFT", "431.50", 10),
    ("NVDA", "142.80", 16),
    ("AMZN", "224.10", 9),
    ("GOOGL", "195.60", 8),
    ("META", "603.25", 7),
    ("TSLA", "410.40", 12),
    ("JPM", "248.90", 4),
    ("V", "316.75", 3),
    ("JNJ", "145.20", 2),
    ("WMT", "92.35", 3),
    ("XOM", "108.60", 3),
    ("UNH", "512.40", 2),
    ("PG", "165.80", 2),
    ("MA", "528.10", 2),
    ("HD", "389.45", 2),
    ("BAC", "45.12", 5),
    ("KO", "62.30", 2),
    ("PFE", "26.15", 3),
    ("INTC", "20.48", 6),
]
VENUES: list[tuple[str, int]] = [("XNAS", 40), ("XNYS", 25), ("ARCX", 15), ("BATS", 20)]
NUM_TRADERS = 200

UNITS = 10_000  # prices are kept as integers in units of 0.0001
TICK = 100  # 0.01 dollars
START_TIME_MS = int(datetime(2026, 1, 5, 14, 30, tzinfo=timezone.utc).timestamp() * 1000)

TABLE_BITS = 16  # lookup tables of 65,536 entries indexed by getrandbits(16)
CHUNK = 20_000  # records formatted per write

TRADE_COLUMNS = ["trade_id", "symbol", "trader_id", "side", "venue", "price", "quantity",
                 "trade_time"]
QUOTE_COLUMNS = ["symbol", "bid", "ask", "bid_size", "ask_size", "quote_time"]


def _to_units(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * UNITS + int((frac + "0000")[:4])


def _lookup_table(values: list, weights: list[float]) -> list:
    """A 2**TABLE_BITS table in which each value appears in proportion to its weight.

    Entry i holds the value whose cumulative-weight interval contains (i + 0.5) / size, so
    indexing with getrandbits(TABLE_BITS) samples the distribution (to 1/65,536).
    """
    size = 1 << TABLE_BITS
    cum: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    return [values[min(bisect.bisect_right(cum, (i + 0.5) / size * total), len(values) - 1)]
            for i in range(size)]


def _quantity_table() -> list[int]:
    """Trade quantities 1..5000: 55 % round lots (100*k, weight 1/k), 30 % odd lots
    (1..99), 15 % any size 1..5000. About 30 % of trades are above 1,000 shares."""
    values: list[int] = []
    weights: list[float] = []
    harmonic = sum(1.0 / k for k in range(1, 51))
    for k in range(1, 51):
        values.append(100 * k)
        weights.append(0.55 * (1.0 / k) / harmonic)
    for q in range(1, 100):
        values.append(q)
        weights.append(0.30 / 99)
    for q in range(1, 5001):
        values.append(q)
        weights.append(0.15 / 5000)
    return _lookup_table(values, weights)


def _quote_size_table() -> list[int]:
    """Displayed sizes 100..5000 in round lots, smaller sizes more common."""
    values = [100 * k for k in range(1, 51)]
    weights = [1.0 / math.sqrt(k) for k in range(1, 51)]
    return _lookup_table(values, weights)


def _delay_table() -> list[int]:
    """Delay in ms subtracted from the clock: 0 (~89.9 %), 1..5 (~10 %), 6..2000 (~0.1 %)."""
    values = [0] + list(range(1, 6)) + list(range(6, 2001))
    weights = [0.899] + [0.100 / 5] * 5 + [0.001 / 1995] * 1995
    return _lookup_table(values, weights)


def _step_table() -> list[int]:
    """Mid-price step in ticks per event on a symbol: mostly -1/0/+1, rarely up to ±5."""
    values = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]
    weights = [0.001, 0.002, 0.007, 0.03, 0.26, 0.40, 0.26, 0.03, 0.007, 0.002, 0.001]
    return _lookup_table(values, weights)


class PriceText:
    """Caches the JSON number text and 4-decimal string text of prices in 0.0001 units."""

    __slots__ = ("number", "string")

    def __init__(self) -> None:
        self.number: dict[int, str] = {}
        self.string: dict[int, str] = {}

    def num(self, units: int) -> str:
        text = self.number.get(units)
        if text is None:
            whole, frac = divmod(units, UNITS)
            if frac % 100 == 0:
                text = f"{whole}.{frac // 100:02d}"
            else:
                text = f"{whole}.{frac:04d}"
            self.number[units] = text
        return text

    def quoted(self, units: int) -> str:
        text = self.string.get(units)
        if text is None:
            whole, frac = divmod(units, UNITS)
            text = f'"{whole}.{frac:04d}"'
            self.string[units] = text
        return text


# --------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------


class Generator:
    """Writes trades and quotes for one seed; see the module docstring for the model."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        names = [s for s, _, _ in SYMBOLS]
        self.symbol_index_table = _lookup_table(list(range(len(SYMBOLS))),
                                                [w for _, _, w in SYMBOLS])
        self.symbols = names
        self.base = [_to_units(p) for _, p, _ in SYMBOLS]
        self.mid = list(self.base)  # on the tick grid
        self.floor = [max(TICK, b // 2) for b in self.base]  # keep the walk positive
        # trader activity: Zipf-like, T001 most active
        self.trader_table = _lookup_table([f"T{i:03d}" for i in range(1, NUM_TRADERS + 1)],
                                          [1.0 / (i ** 0.8) for i in range(1, NUM_TRADERS + 1)])
        self.venue_table = _lookup_table([v for v, _ in VENUES], [w for _, w in VENUES])
        self.qty_table = _quantity_table()
        self.qsize_table = _quote_size_table()
        self.delay_table = _delay_table()
        self.step_table = _step_table()
        self.prices = PriceText()

    # The hot loop is deliberately flat: local variables, table look-ups, f-strings.
    def run(self, trades_out, quotes_out, bad_positions: dict[int, list[str]]) -> None:
        args = self.args
        rng = self.rng
        rand = rng.random
        bits = rng.getrandbits
        tb = TABLE_BITS
        csv = args.format == "csv"
        string_share = 0.0 if args.no_string_prices else 0.10
        symbols = self.symbols
        sym_tab = self.symbol_index_table
        trader_tab = self.trader_table
        venue_tab = self.venue_table
        qty_tab = self.qty_table
        qsize_tab = self.qsize_table
        delay_tab = self.delay_table
        step_tab = self.step_table
        mid = self.mid
        floor = self.floor
        num = self.prices.num
        quoted = self.prices.quoted
        mean_gap = args.mean_gap_ms
        log = math.log

        trades_left = args.trades
        quotes_left = args.quotes
        clock = float(START_TIME_MS)
        trade_seq = 0
        trade_lines: list[str] = []
        quote_lines: list[str] = []
        # half-spreads in ticks, per symbol, refreshed by each quote
        half_bid = [1] * len(symbols)
        half_ask = [1] * len(symbols)
        bad_made = 0

        if csv:
            if trades_out is not None:
                trades_out.write(",".join(TRADE_COLUMNS) + "\n")
            if quotes_out is not None:
                quotes_out.write(",".join(QUOTE_COLUMNS) + "\n")

        while trades_left or quotes_left:
            clock -= mean_gap * log(1.0 - rand())
            s = sym_tab[bits(tb)]
            m = mid[s] + step_tab[bits(tb)] * TICK
            if m < floor[s]:
                m = floor[s]
            mid[s] = m
            t = int(clock) - delay_tab[bits(tb)]
            sym = symbols[s]

            if rand() * (trades_left + quotes_left) < trades_left:
                # ---- trade ----
                trades_left -= 1
                trade_seq += 1
                r = rand()
                buy = r < 0.5
                r = rand()
                if r < 0.80:  # at the touch
                    p = m + half_ask[s] * TICK if buy else m - half_bid[s] * TICK
                elif r < 0.92:  # inside the spread, often sub-penny (midpoint / dark)
                    p = m + int((rand() - 0.5) * 2 * TICK)
                else:  # walking the book one tick
                    p = m + (half_ask[s] + 1) * TICK if buy else m - (half_bid[s] + 1) * TICK
                side = "BUY" if buy else "SELL"
                q = qty_tab[bits(tb)]
                as_string = rand() < string_share  # drawn in every format: same records
                if csv:
                    trade_lines.append(
                        f"TR{trade_seq:08d},{sym},{trader_tab[bits(tb)]},{side},"
                        f"{venue_tab[bits(tb)]},{num(p)},{q},{t}")
                else:
                    price = quoted(p) if as_string else num(p)
                    trade_lines.append(
                        f'{{"trade_id":"TR{trade_seq:08d}","symbol":"{sym}",'
                        f'"trader_id":"{trader_tab[bits(tb)]}","side":"{side}",'
                        f'"venue":"{venue_tab[bits(tb)]}","price":{price},'
                        f'"quantity":{q},"trade_time":{t}}}')
                if bad_positions:
                    kinds = bad_positions.get(trade_seq)
                    if kinds:
                        for kind in kinds:
                            bad_made += 1
                            trade_lines.append(self._bad_line(kind, bad_made, sym, t, csv))
                if len(trade_lines) >= CHUNK:
                    trades_out.write("\n".join(trade_lines))
                    trades_out.write("\n")
                    trade_lines.clear()
            else:
                # ---- quote ----
                quotes_left -= 1
                hb = 1 + (bits(2) == 0)  # 1 or 2 ticks each side: spread 2..4 ticks
                ha = 1 + (bits(2) == 0)
                half_bid[s] = hb
                half_ask[s] = ha
                bid = m - hb * TICK
                ask = m + ha * TICK
                bs = qsize_tab[bits(tb)]
                az = qsize_tab[bits(tb)]
                as_string = rand() < string_share
                if csv:
                    quote_lines.append(f"{sym},{num(bid)},{num(ask)},{bs},{az},{t}")
                else:
                    if as_string:
                        bt, at = quoted(bid), quoted(ask)
                    else:
                        bt, at = num(bid), num(ask)
                    quote_lines.append(
                        f'{{"symbol":"{sym}","bid":{bt},"ask":{at},'
                        f'"bid_size":{bs},"ask_size":{az},"quote_time":{t}}}')
                if len(quote_lines) >= CHUNK:
                    quotes_out.write("\n".join(quote_lines))
                    quotes_out.write("\n")
                    quote_lines.clear()

        if trade_lines:
            trades_out.write("\n".join(trade_lines))
            trades_out.write("\n")
        if quote_lines:
            quotes_out.write("\n".join(quote_lines))
            quotes_out.write("\n")

    @staticmethod
    def _bad_line(kind: str, n: int, sym: str, t: int, csv: bool) -> str:
        """One malformed trade line of the given kind."""
        tid = f"BAD{n:05d}"
        if csv:
            if kind == "truncated":
                return f"{tid},{sym},T001,BUY"
            if kind == "price_scale":
                return f"{tid},{sym},T001,BUY,XNAS,1.234567,100,{t}"
            return f"{tid},{sym},T001,SELL,XNAS,100.00,abc,{t}"
        if kind == "truncated":
            return f'{{"trade_id":"{tid}","symbol":"{sym}","trader_id":"T001","side":"BU'
        if kind == "price_scale":
            return (f'{{"trade_id":"{tid}","symbol":"{sym}","trader_id":"T001","side":"BUY",'
                    f'"venue":"XNAS","price":1.234567,"quantity":100,"trade_time":{t}}}')
        return (f'{{"trade_id":"{tid}","symbol":"{sym}","trader_id":"T001","side":"SELL",'
                f'"venue":"XNAS","price":100.00,"quantity":"abc","trade_time":{t}}}')


BAD_KINDS = ["truncated", "price_scale", "quantity_string"]


def _bad_positions(seed: int, trades: int, count: int) -> dict[int, list[str]]:
    """Maps a valid trade's sequence number (1-based) to the bad lines written after it.

    Uses its own RNG so the valid records do not depend on ``count``.
    """
    if count <= 0 or trades <= 0:
        return {}
    rng = random.Random(f"bad-records/{seed}")
    after = sorted(rng.randrange(1, trades + 1) for _ in range(count))
    positions: dict[int, list[str]] = {}
    for i, seq in enumerate(after):
        positions.setdefault(seq, []).append(BAD_KINDS[i % len(BAD_KINDS)])
    return positions


def _bad_manifest(positions: dict[int, list[str]], csv: bool) -> list[dict]:
    """1-based file line numbers and kinds of the bad lines (the CSV header is line 1)."""
    entries = []
    inserted = 0
    header = 1 if csv else 0
    n = 0
    for seq in sorted(positions):
        for kind in positions[seq]:
            inserted += 1
            n += 1
            entries.append({"line": header + seq + inserted, "kind": kind,
                            "trade_id": f"BAD{n:05d}"})
    return entries


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate deterministic, realistic trades and quotes (JSONL or CSV).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--trades", type=int, default=100_000, help="valid trades to write")
    parser.add_argument("--quotes", type=int, default=100_000, help="quotes to write")
    parser.add_argument("--out-dir", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "data"), help="directory for trades.* and quotes.*")
    parser.add_argument("--trades-file", help="path of the trades file (overrides --out-dir)")
    parser.add_argument("--quotes-file", help="path of the quotes file (overrides --out-dir)")
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--no-string-prices", action="store_true",
                        help="write every price as a JSON number (no \"187.2300\" strings)")
    parser.add_argument("--bad-records", type=int, default=0, metavar="K",
                        help="insert K malformed trade lines at seeded positions")
    parser.add_argument("--mean-gap-ms", type=float, default=10.0,
                        help="mean market-clock gap between consecutive events (ms)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    if args.trades < 0 or args.quotes < 0 or args.bad_records < 0:
        parser.error("counts must be >= 0")
    if args.bad_records and not args.trades:
        parser.error("--bad-records needs --trades > 0")
    if args.mean_gap_ms <= 0:
        parser.error("--mean-gap-ms must be > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ext = "csv" if args.format == "csv" else "jsonl"
    trades_path = args.trades_file or os.path.join(args.out_dir, f"trades.{ext}")
    quotes_path = args.quotes_file or os.path.join(args.out_dir, f"quotes.{ext}")
    started = time.perf_counter()
    positions = _bad_positions(args.seed, args.trades, args.bad_records)

    opened = []
    try:
        trades_out = quotes_out = None
        if args.trades:
            os.makedirs(os.path.dirname(os.path.abspath(trades_path)), exist_ok=True)
            trades_out = open(trades_path, "w", encoding="utf-8", newline="\n",
                              buffering=1 << 20)
            opened.append(trades_out)
        if args.quotes:
            os.makedirs(os.path.dirname(os.path.abspath(quotes_path)), exist_ok=True)
            quotes_out = open(quotes_path, "w", encoding="utf-8", newline="\n",
                              buffering=1 << 20)
            opened.append(quotes_out)
        Generator(args).run(trades_out, quotes_out, positions)
    finally:
        for f in opened:
            f.close()

    manifest_path = None
    if positions:
        manifest_path = trades_path + ".bad.json"
        with open(manifest_path, "w", encoding="utf-8") as f:
            json.dump(_bad_manifest(positions, args.format == "csv"), f, indent=1)
            f.write("\n")

    if not args.quiet:
        elapsed = time.perf_counter() - started
        if args.trades:
            extra = f" + {args.bad_records} bad lines" if args.bad_records else ""
            print(f"wrote {args.trades} trades{extra} to {trades_path}", file=sys.stderr)
        if args.quotes:
            print(f"wrote {args.quotes} quotes to {quotes_path}", file=sys.stderr)
        if manifest_path:
            print(f"bad-record manifest: {manifest_path}", file=sys.stderr)
        print(f"seed {args.seed}, {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
