#!/usr/bin/env python3
"""End-to-end tests of the ferris-sql binary: real processes, real files, exit codes.

Usage: test_ferris_sql.py FERRIS_SQL   (run by CTest)
Expected outputs are computed here from the generated input, never from another run.
"""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "examples" / "generate_trading_data.py"
FERRIS_SQL = None


def run(*args, cwd=None, timeout=300):
    return subprocess.run([FERRIS_SQL, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def generate(directory, trades, quotes=0, bad=0):
    subprocess.run([sys.executable, str(GENERATOR), "--out-dir", str(directory), "--trades", str(trades),
                    "--quotes", str(quotes), "--bad-records", str(bad), "--quiet"], check=True)


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


class DemoAppTest(unittest.TestCase):
    """The trading demo app on generated data, checked against values computed here."""

    def test_demo_app_outputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "trading").mkdir()
            app = (ROOT / "examples" / "trading" / "app.sql").read_text()
            (tmp / "trading" / "app.sql").write_text(app)
            generate(tmp / "data", trades=3000, quotes=2000, bad=7)
            result = run("run", "--no-progress", "trading/app.sql", cwd=tmp)
            self.assertEqual(result.returncode, 0, result.stderr)

            expected = []
            manifest = json.loads((tmp / "data" / "trades.jsonl.bad.json").read_text())
            bad_lines = {entry["line"] for entry in manifest}
            for number, line in enumerate((tmp / "data" / "trades.jsonl").read_text().splitlines(), start=1):
                if number in bad_lines:
                    continue
                trade = json.loads(line)
                price = Decimal(str(trade["price"]))
                notional = price * trade["quantity"]
                if notional > Decimal("250000.00"):
                    expected.append((trade["trade_id"], f"{notional:.4f}",
                                     str((notional * Decimal("0.0005")).quantize(Decimal("0.01"), ROUND_HALF_UP))))
            actual = [json.loads(line) for line in (tmp / "out" / "large_trades.jsonl").read_text().splitlines()]
            self.assertEqual([(row["trade_id"], row["notional"], row["commission"]) for row in actual], expected)
            self.assertTrue(all(row["traded_at"].endswith("Z") for row in actual))

            dlq = [json.loads(line) for line in (tmp / "out" / "trades_dlq.jsonl").read_text().splitlines()]
            self.assertEqual(sorted(entry["position"]["line"] for entry in dlq), sorted(bad_lines))
            self.assertTrue(all(entry["job"] == "large_trades" and entry["source"] == "trades" for entry in dlq))
            self.assertEqual({entry["error_kind"] for entry in dlq}, {"decode_error"})

            quotes = [json.loads(line) for line in (tmp / "data" / "quotes.jsonl").read_text().splitlines()]
            spreads = (tmp / "out" / "quote_spreads.csv").read_text().splitlines()
            self.assertEqual(spreads[0], "symbol,bid,ask,spread,mid,spread_bps")
            self.assertEqual(len(spreads) - 1, sum(1 for q in quotes if Decimal(str(q["ask"])) > Decimal(str(q["bid"]))))
            first = quotes[0]
            bid, ask = Decimal(str(first["bid"])), Decimal(str(first["ask"]))
            symbol, out_bid, out_ask, spread, mid, bps = spreads[1].split(",")
            self.assertEqual((symbol, out_bid, out_ask), (first["symbol"], f"{bid:.4f}", f"{ask:.4f}"))
            self.assertEqual(spread, f"{ask - bid:.4f}")

    def test_analytics_app_outputs(self):
        """examples/trading/analytics.sql: bars and moving statistics computed here from the input."""
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "trading").mkdir()
            (tmp / "trading" / "analytics.sql").write_text((ROOT / "examples" / "trading" / "analytics.sql").read_text())
            generate(tmp / "data", trades=20000, bad=9)
            result = run("run", "--no-progress", "trading/analytics.sql", cwd=tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            manifest = json.loads((tmp / "data" / "trades.jsonl.bad.json").read_text())
            bad_lines = {entry["line"] for entry in manifest}
            trades = [json.loads(line) for number, line in
                      enumerate((tmp / "data" / "trades.jsonl").read_text().splitlines(), start=1)
                      if number not in bad_lines]

            # One-minute bars: watermark = max event time - 2 s; a trade whose minute had ended
            # by the watermark before it is late; bars in minute order, then by first trade.
            groups = {}
            watermark = None
            late = 0
            for trade in trades:
                t = trade["trade_time"]
                start = t - t % 60000
                if watermark is not None and start + 60000 <= watermark:
                    late += 1
                else:
                    price = Decimal(str(trade["price"]))
                    g = groups.setdefault((trade["symbol"], start), {"seq": len(groups), "prices": [], "qty": 0,
                                                                     "notional": Decimal(0)})
                    g["prices"].append(price)
                    g["qty"] += trade["quantity"]
                    g["notional"] += price * trade["quantity"]
                watermark = max(watermark if watermark is not None else t - 2000, t - 2000)
            q4 = Decimal("0.0001")
            expected = []
            for (symbol, start), g in sorted(groups.items(), key=lambda item: (item[0][1], item[1]["seq"])):
                vwap = (g["notional"] / g["qty"]).quantize(Decimal("0.000001"), ROUND_HALF_UP).quantize(q4, ROUND_HALF_UP)
                minute = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start // 1000))
                expected.append({"symbol": symbol, "minute": minute, "open": str(g["prices"][0].quantize(q4)),
                                 "high": str(max(g["prices"]).quantize(q4)), "low": str(min(g["prices"]).quantize(q4)),
                                 "close": str(g["prices"][-1].quantize(q4)), "volume": g["qty"], "vwap": str(vwap),
                                 "trades": len(g["prices"])})
            bars = [json.loads(line) for line in (tmp / "out" / "ohlc_1m.jsonl").read_text().splitlines()]
            self.assertEqual(bars, expected)
            self.assertIn(f"{late} late dropped", result.stderr)

            # Moving statistics: every trade in event-time order (ties in input order) with the
            # average and count of its symbol's trades in the five minutes up to it. This job
            # does not read quantity, so a record bad only there is a good record for it.
            readable = {entry["line"] for entry in manifest if entry["kind"] != "quantity_string"}
            trades = [json.loads(line) for number, line in
                      enumerate((tmp / "data" / "trades.jsonl").read_text().splitlines(), start=1)
                      if number not in readable]
            stats = [json.loads(line) for line in (tmp / "out" / "moving_stats.jsonl").read_text().splitlines()]
            ordered = sorted(((t["trade_time"], i, t) for i, t in enumerate(trades)), key=lambda x: (x[0], x[1]))
            by_symbol = {}
            for position, (t, _, trade) in enumerate(ordered):
                history = by_symbol.setdefault(trade["symbol"], [])
                history.append((t, Decimal(str(trade["price"]))))
                window = [p for (u, p) in history if u >= t - 300000]
                # peers: later trades of the same symbol at the same time are in the frame too
                peers = [Decimal(str(o[2]["price"])) for o in ordered[position + 1:]
                         if o[0] == t and o[2]["symbol"] == trade["symbol"]]
                window += peers
                row = stats[position]
                self.assertEqual((row["trade_id"], row["n_5m"]), (trade["trade_id"], len(window)))
                average = (sum(window) / len(window)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
                self.assertEqual(row["ma_5m"], str(average), trade["trade_id"])
                if position > 2000:
                    break  # the quadratic check stops here; the counts above already covered the frames
            self.assertEqual(len(stats), len(trades))
            outliers = [json.loads(line) for line in (tmp / "out" / "outliers.jsonl").read_text().splitlines()]
            flagged = [row["trade_id"] for row in stats if row["n_5m"] >= 20 and row["vol_5m"] and
                       abs(float(Decimal(row["price"]) - Decimal(row["ma_5m"]))) > 3 * row["vol_5m"]]
            self.assertEqual([row["trade_id"] for row in outliers], flagged)
            self.assertGreater(len(flagged), 0)


class CommandTest(unittest.TestCase):
    def write(self, tmp, text, name="app.sql"):
        path = Path(tmp) / name
        path.write_text(text)
        return path

    def test_version_and_help(self):
        self.assertEqual(run("--version").returncode, 0)
        self.assertIn("ferris-sql", run("--version").stdout)
        self.assertEqual(run("--help").returncode, 0)
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run().returncode, 2)

    def test_validate_reports_every_error_with_a_caret(self):
        with tempfile.TemporaryDirectory() as tmp:
            app = self.write(tmp, "CREATE STREAM t (a BIGINT) WITH ('t.type' = 'file_source', 't.path' = 'x.jsonl',\n"
                                  "  't.fromat' = 'jsonl');\n"
                                  "SELECT b FROM t;\n")
            result = run("validate", str(app))
            self.assertEqual(result.returncode, 2)
            self.assertIn("app.sql:3:8: unknown column 'b' in t", result.stderr)
            self.assertIn("SELECT b FROM t;\n       ^", result.stderr)
            ok = self.write(tmp, "CREATE STREAM t (a BIGINT) WITH ('t.type' = 'file_source', 't.path' = 'x.jsonl');\n"
                                 "SELECT a FROM t;\n", "ok.sql")
            result = run("validate", str(ok))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("OK (1 job)", result.stdout)

    def test_validate_names_the_misspelt_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            app = self.write(tmp, "CREATE STREAM t (a BIGINT) WITH ('t.type' = 'file_source', 't.path' = 'x.jsonl',\n"
                                  "  't.fromat' = 'jsonl');\nSELECT a FROM t;\n")
            result = run("validate", str(app))
            self.assertEqual(result.returncode, 2)
            self.assertIn("app.sql:2:3: unknown key 't.fromat' for file_source t, did you mean 't.format'?", result.stderr)

    def test_explain_and_dependencies(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "in.jsonl").write_text("".join(json.dumps({"a": i}) + "\n" for i in range(10)))
            app = self.write(tmp, """
CREATE STREAM src (a BIGINT) WITH ('src.type' = 'file_source', 'src.path' = 'in.jsonl');
CREATE STREAM mid (a BIGINT, b BIGINT) WITH ('mid.type' = 'file_source', 'mid.path' = 'out/first.jsonl');

CREATE STREAM second AS SELECT a, b * 10 AS c FROM mid WHERE b > 5
WITH ('second.type' = 'file_sink', 'second.path' = 'out/second.jsonl');

CREATE STREAM first AS SELECT a, a * 2 AS b FROM src
WITH ('first.type' = 'file_sink', 'first.path' = 'out/first.jsonl');
""")
            result = run("explain", str(app))
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn("job second", result.stdout)
            self.assertIn("filter (b > 5)", result.stdout)
            self.assertIn("starts after job first", result.stdout)
            result = run("run", "--no-progress", str(app))
            self.assertEqual(result.returncode, 0, result.stderr)
            rows = [json.loads(line) for line in (Path(tmp) / "out" / "second.jsonl").read_text().splitlines()]
            self.assertEqual(rows, [{"a": a, "c": a * 20} for a in range(10) if a * 2 > 5])

    def test_dependency_cycle_is_a_validation_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            app = self.write(tmp, """
CREATE STREAM x (a BIGINT) WITH ('x.type' = 'file_source', 'x.path' = 'b.jsonl');
CREATE STREAM y (a BIGINT) WITH ('y.type' = 'file_source', 'y.path' = 'a.jsonl');
CREATE STREAM a AS SELECT a FROM x WITH ('a.type' = 'file_sink', 'a.path' = 'a.jsonl');
CREATE STREAM b AS SELECT a FROM y WITH ('b.type' = 'file_sink', 'b.path' = 'b.jsonl');
""")
            result = run("validate", str(app))
            self.assertEqual(result.returncode, 2)
            self.assertIn("in a cycle", result.stderr)

    def test_fail_batch_exits_1_and_names_the_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "in.jsonl").write_text('{"a": 1}\n{"a": "x"}\n{"a": 3}\n')
            app = self.write(tmp, """
CREATE STREAM src (a BIGINT) WITH ('src.type' = 'file_source', 'src.path' = 'in.jsonl');
CREATE STREAM out AS SELECT a FROM src
WITH ('out.type' = 'file_sink', 'out.path' = 'out.jsonl', 'failure_strategy' = 'fail_batch', 'batch.size' = '1');
""")
            result = run("run", "--no-progress", str(app))
            self.assertEqual(result.returncode, 1)
            self.assertIn("in.jsonl line 2: field 'a': expected BIGINT, found \"x\" (failure_strategy is fail_batch)",
                          result.stderr)
            self.assertEqual((Path(tmp) / "out.jsonl").read_text(), '{"a":1}\n')

    def test_missing_input_file_is_a_runtime_failure(self):
        with tempfile.TemporaryDirectory() as tmp:
            app = self.write(tmp, "CREATE STREAM s (a BIGINT) WITH ('s.type' = 'file_source', 's.path' = 'nope.jsonl');\n"
                                  "SELECT a FROM s;\n")
            result = run("run", "--no-progress", str(app))
            self.assertEqual(result.returncode, 1)
            self.assertIn("cannot open", result.stderr)

    def test_environment_sets_job_keys_below_the_sql(self):
        # FERRIS_<KEY> (upper-cased, '.' -> '_', '_' -> '__') sets a job key the SQL leaves
        # unset; a bad value names the variable; a key in WITH wins over the environment.
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "in.jsonl").write_text('{"a": 1}\n{"a": "x"}\n')
            app = self.write(tmp, """
CREATE STREAM src (a BIGINT) WITH ('src.type' = 'file_source', 'src.path' = 'in.jsonl');
CREATE STREAM out AS SELECT a FROM src WITH ('out.type' = 'file_sink', 'out.path' = 'out.jsonl');
""")
            env = dict(os.environ, FERRIS_FAILURE__STRATEGY="fail_batch")
            result = subprocess.run([FERRIS_SQL, "run", "--no-progress", str(app)], capture_output=True, text=True,
                                    env=env, timeout=120)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertIn("(failure_strategy is fail_batch)", result.stderr)
            env = dict(os.environ, FERRIS_BATCH_SIZE="banana")
            result = subprocess.run([FERRIS_SQL, "validate", str(app)], capture_output=True, text=True, env=env,
                                    timeout=120)
            self.assertEqual(result.returncode, 2)
            self.assertIn("'FERRIS_BATCH_SIZE (environment)' = 'banana' is not valid", result.stderr)
            pinned = self.write(tmp, """
CREATE STREAM src (a BIGINT) WITH ('src.type' = 'file_source', 'src.path' = 'in.jsonl');
CREATE STREAM out AS SELECT a FROM src
WITH ('out.type' = 'file_sink', 'out.path' = 'out.jsonl', 'failure_strategy' = 'log_and_continue');
""", "pinned.sql")
            env = dict(os.environ, FERRIS_FAILURE__STRATEGY="fail_batch")
            result = subprocess.run([FERRIS_SQL, "run", "--no-progress", str(pinned)], capture_output=True, text=True,
                                    env=env, timeout=120)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual((Path(tmp) / "out.jsonl").read_text(), '{"a":1}\n')

    def test_connector_config_files_with_extends_and_variables(self):
        # '<name>.config_file': YAML beside the SQL file, extends deep-merged, ${VAR} and
        # ${VAR:default} substituted; WITH keys win; errors name the file and the key.
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "data").mkdir()
            (tmp / "data" / "in.csv").write_text("a;b\n1;x\n2;y\n")
            (tmp / "conf").mkdir()
            (tmp / "conf" / "base.yaml").write_text("type: file_source\nformat: csv\ncsv:\n  delimiter: ','\n")
            (tmp / "conf" / "source.yaml").write_text(
                "extends: base.yaml\npath: ${FERRIS_TEST_DATA}/in.csv\ncsv:\n  delimiter: '${FERRIS_TEST_SEP:;}'\n")
            (tmp / "conf" / "sink.yaml").write_text("type: file_sink\npath: ignored.jsonl\n")
            app = self.write(tmp, """
CREATE STREAM src (a BIGINT, b STRING) WITH ('src.config_file' = 'conf/source.yaml');
CREATE STREAM out AS SELECT a, b FROM src WITH ('out.config_file' = 'conf/sink.yaml', 'out.path' = 'out.jsonl');
""")
            env = dict(os.environ, FERRIS_TEST_DATA=str(tmp / "data"))
            env.pop("FERRIS_TEST_SEP", None)
            result = subprocess.run([FERRIS_SQL, "run", "--no-progress", str(app)], capture_output=True, text=True,
                                    env=env, timeout=120)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual((tmp / "out.jsonl").read_text(), '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n')
            self.assertFalse((tmp / "ignored.jsonl").exists())
            # An unset variable without a default, a misspelt key: named with their file.
            result = subprocess.run([FERRIS_SQL, "validate", str(app)], capture_output=True, text=True,
                                    env=dict(os.environ, FERRIS_TEST_SEP=";"), timeout=120)
            self.assertEqual(result.returncode, 2)
            self.assertIn("source.yaml:2:7: key 'path': environment variable FERRIS_TEST_DATA is not set "
                          "(give a default: ${FERRIS_TEST_DATA:value})", result.stderr)
            (tmp / "conf" / "sink.yaml").write_text("type: file_sink\npth: x.jsonl\n")
            result = subprocess.run([FERRIS_SQL, "validate", str(app)], capture_output=True, text=True, env=env,
                                    timeout=120)
            self.assertEqual(result.returncode, 2)
            self.assertIn("unknown key 'out.pth (in sink.yaml)' for file_sink out", result.stderr)
            (tmp / "conf" / "base.yaml").write_text("extends: source.yaml\n")
            result = subprocess.run([FERRIS_SQL, "validate", str(app)], capture_output=True, text=True, env=env,
                                    timeout=120)
            self.assertEqual(result.returncode, 2)
            self.assertIn("'extends' makes a cycle: source.yaml → base.yaml → source.yaml", result.stderr)

    def test_ctrl_c_finishes_the_batch_flushes_and_exits_cleanly(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            generate(tmp, trades=1000000)
            app = self.write(tmp, """
CREATE STREAM trades (trade_id STRING, price DECIMAL(18,4), quantity BIGINT)
WITH ('trades.type' = 'file_source', 'trades.path' = 'trades.jsonl');
CREATE STREAM copy AS SELECT trade_id, price * quantity AS notional FROM trades
WITH ('copy.type' = 'file_sink', 'copy.path' = 'out/copy.jsonl', 'batch.size' = '64');
""")
            process = subprocess.Popen([FERRIS_SQL, "run", "--no-progress", str(app)], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            output = tmp / "out" / "copy.jsonl"
            wait_for(lambda: output.exists() and output.stat().st_size > 0, 120, "the first output")
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=120)
            self.assertEqual(process.returncode, 0, stderr)
            text = output.read_text()
            lines = text.splitlines()
            self.assertTrue(text.endswith("\n"))
            self.assertLess(len(lines), 1000000, "the job was not interrupted")
            for line in lines:
                json.loads(line)
            self.assertIn("stopped", stderr)


BARS_APP = """
CREATE STREAM trades (trade_id STRING, symbol STRING, price DECIMAL(18,4), quantity BIGINT, trade_time TIMESTAMP)
WITH ('trades.type' = 'file_source', 'trades.path' = 'trades.jsonl', 'trades.event.time.field' = 'trade_time');
CREATE STREAM bars AS
SELECT symbol, _window_start, COUNT(*) AS n, SUM(quantity) AS volume, SUM(price * quantity) AS notional,
       MIN(price) AS low, MAX(price) AS high, FIRST_VALUE(price) AS open, LAST_VALUE(price) AS close
FROM trades GROUP BY symbol WINDOW TUMBLING(1s)
WITH ('bars.type' = 'file_sink', 'bars.path' = 'out/bars.jsonl', 'commit.interval' = '20ms', 'batch.size' = '%d');
"""


SLIDING_APP = """
CREATE STREAM trades (trade_id STRING, symbol STRING, price DECIMAL(18,4), quantity BIGINT, trade_time TIMESTAMP)
WITH ('trades.type' = 'file_source', 'trades.path' = 'trades.jsonl', 'trades.event.time.field' = 'trade_time');
CREATE STREAM moving AS
SELECT symbol, _window_start, COUNT(*) AS n, SUM(quantity) AS volume, MIN(price) AS low, MAX(price) AS high,
       STDDEV(price) AS volatility
FROM trades GROUP BY symbol WINDOW SLIDING(5s, 1s)
WITH ('moving.type' = 'file_sink', 'moving.path' = 'out/moving.jsonl', 'commit.interval' = '20ms',
      'batch.size' = '64');
"""


# BARS_APP in @job_mode: transactional: its output is a directory of part files (DESIGN.md §2.2).
EXACTLY_ONCE_BARS_APP = BARS_APP.replace("CREATE STREAM bars AS", "-- @job_mode: transactional\nCREATE STREAM bars AS") \
    .replace("'out/bars.jsonl'", "'out/bars'")


def committed_parts(directory):
    """The committed part files of an exactly-once file sink's directory, in epoch order, and
    the names of the parts in progress."""
    directory = Path(directory)
    if not directory.exists():
        return [], []
    names = [p.name for p in directory.iterdir()]
    done = sorted((n for n in names if n.startswith("part-") and not n.endswith(".inprogress")),
                  key=lambda n: int(n[5:].split(".")[0]))
    return [directory / n for n in done], [n for n in names if n.endswith(".inprogress")]


def checkpoint_ids(directory):
    """The checkpoint id of every MANIFEST under `directory` (a job's state.dir)."""
    ids = []
    for manifest in sorted(Path(directory).rglob("MANIFEST")):
        try:
            ids.append(json.loads(manifest.read_text())["checkpoint_id"])
        except (OSError, ValueError, KeyError):
            ids.append(None)  # being replaced: read again
    return ids


def expected_bars(trades_file):
    """The bars of BARS_APP computed from the input (DESIGN.md §1.4): the watermark is the
    largest event time before each record; a record whose 1 s window ended by then is late and
    dropped; windows come out in end order, then in the order their groups appeared."""
    groups = {}
    watermark = None
    for line in Path(trades_file).read_text().splitlines():
        trade = json.loads(line)
        t = trade["trade_time"]
        start = t - t % 1000
        if watermark is not None and start + 1000 <= watermark:
            watermark = max(watermark, t)
            continue
        watermark = t if watermark is None else max(watermark, t)
        price = Decimal(str(trade["price"]))
        key = (trade["symbol"], start)
        if key not in groups:
            groups[key] = {"sequence": len(groups), "n": 0, "volume": 0, "notional": Decimal(0), "low": price,
                           "high": price, "open": price, "close": price}
        group = groups[key]
        group["n"] += 1
        group["volume"] += trade["quantity"]
        group["notional"] += price * trade["quantity"]
        group["low"] = min(group["low"], price)
        group["high"] = max(group["high"], price)
        group["close"] = price
    rows = []
    for (symbol, start), g in sorted(groups.items(), key=lambda item: (item[0][1], item[1]["sequence"])):
        four = lambda d: str(d.quantize(Decimal("0.0001")))
        rows.append({"symbol": symbol, "_window_start": start, "n": g["n"], "volume": g["volume"],
                     "notional": four(g["notional"]), "low": four(g["low"]), "high": four(g["high"]),
                     "open": four(g["open"]), "close": four(g["close"])})
    return rows


class CheckpointTest(unittest.TestCase):
    """Checkpoints and restarts of a windowed file-to-file job run as a real process."""

    def kill_and_restart(self, app, output, check_reference=None):
        """Runs `app` uninterrupted, then again SIGKILLed at random points mid-stream and
        restarted each time until it finishes: the output must be byte-identical."""
        seed = int(os.environ.get("FERRIS_KILL_SEED", str(int(time.time()))))
        print(f"kill seed {seed}", file=sys.stderr)
        rng = random.Random(seed)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            generate(tmp / "data", trades=400000)
            for name in ("killed", "reference"):
                (tmp / name).mkdir()
                (tmp / name / "trades.jsonl").symlink_to(tmp / "data" / "trades.jsonl")
                (tmp / name / "app.sql").write_text(app)
            started = time.monotonic()
            reference = run("run", "--no-progress", "app.sql", cwd=tmp / "reference")
            took = time.monotonic() - started
            self.assertEqual(reference.returncode, 0, reference.stderr)
            expected_text = (tmp / "reference" / "out" / output).read_text()
            if check_reference is not None:
                check_reference(expected_text, tmp / "data" / "trades.jsonl")

            landed = 0
            resumed = 0
            for attempt in range(40):
                process = subprocess.Popen([FERRIS_SQL, "run", "--no-progress", "app.sql"], cwd=tmp / "killed",
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                if landed < 6:
                    # Once the run has installed a checkpoint of its own (so each restart gets
                    # further), at a random point up to a tenth of an uninterrupted run later.
                    before = checkpoint_ids(tmp / "killed")
                    while process.poll() is None and checkpoint_ids(tmp / "killed") == before:
                        time.sleep(0.005)
                    time.sleep(rng.uniform(0, 0.1) * took)
                    if process.poll() is None:
                        process.send_signal(signal.SIGKILL)
                        landed += 1
                _, stderr = process.communicate(timeout=300)
                resumed += "resumed from checkpoint" in stderr
                if process.returncode == 0:
                    break
                self.assertEqual(process.returncode, -signal.SIGKILL, stderr)
            self.assertGreaterEqual(landed, 3, f"only {landed} kills landed mid-stream (seed {seed})")
            self.assertGreaterEqual(resumed, 3, f"only {resumed} restarts resumed from a checkpoint (seed {seed})")
            self.assertEqual((tmp / "killed" / "out" / output).read_text(), expected_text,
                             f"output after kills differs from the uninterrupted run (seed {seed})")

    def test_sigkill_of_an_exactly_once_file_job_never_shows_uncommitted_output(self):
        """The exactly-once file sink: killed at each named fault point and at random moments,
        the committed parts hold, after every kill, a prefix of the expected bars — nothing a
        restart takes back — and, once the job finishes, all of them exactly once."""
        seed = int(os.environ.get("FERRIS_KILL_SEED", str(int(time.time()))))
        print(f"kill seed {seed}", file=sys.stderr)
        rng = random.Random(seed)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            generate(tmp, trades=400000)
            (tmp / "app.sql").write_text(EXACTLY_ONCE_BARS_APP % 64)
            expected = expected_bars(tmp / "trades.jsonl")
            parts = tmp / "out" / "bars"

            def committed_rows():
                rows = []
                done, in_progress = committed_parts(parts)
                for part in done:
                    text = part.read_text()
                    self.assertTrue(text.endswith("\n"), f"{part.name} is not whole (seed {seed})")
                    rows += [json.loads(line) for line in text.splitlines()]
                return rows, in_progress

            def start(fault=None):
                env = dict(os.environ)
                env.pop("FERRIS_FAULT_POINT", None)
                if fault is not None:
                    env["FERRIS_FAULT_POINT"] = fault
                return subprocess.Popen([FERRIS_SQL, "run", "--no-progress", "app.sql"], cwd=tmp, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

            seen = [0]  # committed rows after the last kill: a restart never takes one back

            def after_kill(process, stderr):
                self.assertEqual(process.returncode, -signal.SIGKILL, stderr)
                rows, in_progress = committed_rows()
                self.assertEqual(rows, expected[:len(rows)],
                                 f"the committed parts are not a prefix of the expected bars (seed {seed})")
                self.assertGreaterEqual(len(rows), seen[0], f"committed output was taken back (seed {seed})")
                seen[0] = len(rows)
                return rows, in_progress

            def finished():
                """Whether the job's last checkpoint is its final one: a kill after it (before
                the process exits) ends a complete run, and the next start is a rerun, which
                writes the output again from epoch 1 (docs/operations.md)."""
                return any(json.loads(m.read_text()).get("finished") for m in tmp.rglob("MANIFEST"))

            # The named fault points: at start-up before the restore; between a checkpoint and
            # its part's rename (the restart renames it); after a batch is written.
            process = start("in_restore")
            _, stderr = process.communicate(timeout=300)
            self.assertIn("FERRIS_FAULT_POINT in_restore:1 reached", stderr)
            after_kill(process, stderr)
            process = start("in_commit:5")
            _, stderr = process.communicate(timeout=300)
            self.assertIn("FERRIS_FAULT_POINT in_commit:5 reached", stderr)
            _, pending = after_kill(process, stderr)
            self.assertEqual(len(pending), 1, pending)
            pending_text = (parts / pending[0]).read_text()
            process = start("after_produce:3")
            _, stderr = process.communicate(timeout=300)
            self.assertIn("resumed from checkpoint", stderr)
            after_kill(process, stderr)
            # The checkpoint named the killed run's last part: the restart put it in place.
            self.assertEqual((parts / pending[0].removesuffix(".inprogress")).read_text(), pending_text)

            landed = 0
            open_parts = 0
            for attempt in range(40):
                process = start()
                if landed < 8:
                    before = checkpoint_ids(tmp)
                    while process.poll() is None and checkpoint_ids(tmp) == before:
                        time.sleep(0.005)
                    time.sleep(rng.uniform(0, 0.3))
                    if process.poll() is None:
                        process.send_signal(signal.SIGKILL)
                        landed += 1
                _, stderr = process.communicate(timeout=300)
                if process.returncode == 0:
                    break
                _, in_progress = after_kill(process, stderr)
                open_parts += len(in_progress) > 0
                if finished():
                    # Killed between its final checkpoint and exit: the rerun starts over.
                    process = start()
                    _, stderr = process.communicate(timeout=300)
                    self.assertEqual(process.returncode, 0, stderr)
                    self.assertNotIn("resumed from checkpoint", stderr)
                    break
            self.assertGreaterEqual(landed, 5, f"only {landed} kills landed mid-stream (seed {seed})")
            self.assertGreaterEqual(open_parts, 1, f"no kill landed while a part was being written (seed {seed})")
            rows, in_progress = committed_rows()
            self.assertEqual(in_progress, [])
            self.assertEqual(len(rows), len(expected))
            self.assertEqual(rows, expected, f"output after kills differs from the expected bars (seed {seed})")

    def test_sigkill_mid_stream_and_restart_gives_the_uninterrupted_output(self):
        def check(text, trades):
            self.assertEqual([json.loads(line) for line in text.splitlines()], expected_bars(trades))
        self.kill_and_restart(BARS_APP % 64, "bars.jsonl", check)

    def test_sigkill_of_a_sliding_window_job_and_restart_gives_the_uninterrupted_output(self):
        # Sliding windows keep each pane for several windows and checkpoint them in slices.
        def check(text, trades):
            rows = [json.loads(line) for line in text.splitlines()]
            records = len(Path(trades).read_text().splitlines())
            self.assertGreater(len(rows), 1000)
            # Every record is in 5 windows, less those closed before it came (late ones).
            self.assertLessEqual(sum(row["n"] for row in rows), 5 * records)
            self.assertGreater(sum(row["n"] for row in rows), 4 * records)
        self.kill_and_restart(SLIDING_APP, "moving.jsonl", check)

    def test_max_memory_bounds_the_state_with_a_clear_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            with open(tmp / "keys.jsonl", "w") as out:
                for i in range(40000):
                    out.write(json.dumps({"k": f"key-{i:06d}", "v": i, "ts": 1000 * i}) + "\n")
            (tmp / "app.sql").write_text("""
CREATE STREAM keys (k STRING, v BIGINT, ts TIMESTAMP)
WITH ('keys.type' = 'file_source', 'keys.path' = 'keys.jsonl');
CREATE STREAM per_key AS SELECT k, SUM(v) AS total FROM keys GROUP BY k EMIT FINAL
WITH ('per_key.type' = 'file_sink', 'per_key.path' = 'per_key.jsonl', 'max.memory.mb' = '2', 'batch.size' = '256');
""")
            result = run("run", "--no-progress", "app.sql", cwd=tmp)
            self.assertEqual(result.returncode, 1, result.stderr)
            self.assertRegex(result.stderr, r"error: job per_key: the job needs \d+\.\d MB "
                                            r"\(\d+\.\d MB of state, \d+\.\d MB of batch\), over its max.memory.mb of 2 MB")
            # With room for its state the same job runs to the end.
            (tmp / "app.sql").write_text((tmp / "app.sql").read_text().replace("'max.memory.mb' = '2'",
                                                                               "'max.memory.mb' = '64'"))
            result = run("run", "--no-progress", "app.sql", cwd=tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(len((tmp / "per_key.jsonl").read_text().splitlines()), 40000)

    def test_a_different_query_needs_reset_state(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            generate(tmp, trades=1000000)
            (tmp / "app.sql").write_text(BARS_APP % 16)
            process = subprocess.Popen([FERRIS_SQL, "run", "--no-progress", "app.sql"], cwd=tmp,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            output = tmp / "out" / "bars.jsonl"
            wait_for(lambda: output.exists() and output.stat().st_size > 0, 120, "the first output")
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=120)
            self.assertEqual(process.returncode, 0, stderr)
            (tmp / "app.sql").write_text((BARS_APP % 16).replace("SUM(quantity) AS volume", "AVG(quantity) AS volume"))
            result = run("run", "--no-progress", "app.sql", cwd=tmp)
            self.assertEqual(result.returncode, 2, result.stderr)
            directory = tmp / ".ferris-state" / "app" / "bars"
            self.assertIn(f"error: job bars: the checkpoint in {directory} was written by a different query (", result.stderr)
            self.assertIn("run with --reset-state bars to discard it", result.stderr)
            result = run("run", "--no-progress", "app.sql", "--reset-state", "bars", cwd=tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertNotIn("resumed from checkpoint", result.stderr)
            # A job removed from the app: its checkpoint stays, and the run says so.
            (tmp / "app.sql").write_text((BARS_APP % 16).replace("CREATE STREAM bars AS", "CREATE STREAM bars2 AS")
                                         .replace("'bars.", "'bars2.").replace("out/bars.jsonl", "out/bars2.jsonl"))
            result = run("run", "--no-progress", "app.sql", cwd=tmp)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"the app has no job bars any more; its checkpoint is left in {directory}", result.stderr)
            self.assertTrue((directory / "MANIFEST").exists())
            result = run("run", "--no-progress", "app.sql", "--reset-state", "nosuchjob", cwd=tmp)
            self.assertEqual(result.returncode, 2)
            self.assertIn("--reset-state nosuchjob: the app has no job named nosuchjob", result.stderr)


if __name__ == "__main__":
    FERRIS_SQL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
