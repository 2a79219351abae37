#!/usr/bin/env python3
"""End-to-end benchmark: ferris-sql filter+projection over a JSONL file, beside DuckDB.

DESIGN.md §3, issue item 12. One query, one input file, two engines, each run as its own
child process and measured with ``os.wait4`` (the resource usage of that child alone):

* records per CPU-second = input records / (user + sys CPU seconds of the child),
* peak RSS = the child's ``ru_maxrss`` (MiB),
* wall time, and the number of output rows (which must be equal for both engines).

The query (ferris-sql app, DESIGN.md §1.2)::

    SELECT trade_id, symbol, price, quantity, price * quantity AS notional
    FROM trades WHERE quantity > 1000

over ``trades_<N>.jsonl`` made by ``examples/generate_trading_data.py`` (seed 42, every
price a JSON number), written to JSONL. DuckDB (PyPI, in ``bench/.venv``, made by
``bench/setup-duckdb.sh``) runs the same query with ``SET threads=1`` through
``read_json(..., format='newline_delimited', columns={...})`` and
``COPY (...) TO 'out.json' (FORMAT JSON)``, in a fresh Python process; its figure therefore
includes interpreter start-up and ``import duckdb`` (the in-process query time alone is
reported too, as ``query_cpu_s`` in the JSON).

Usage::

    python3 bench/e2e_bench.py --ferris-sql build/release/src/apps/ferris-sql
    python3 bench/e2e_bench.py --ferris-sql PATH --records 200000 --json-out out.json
    python3 bench/e2e_bench.py --skip-ferris --records 200000      # DuckDB half only

Exit status: 0 on success; 1 when an engine fails, times out, or the row counts (or, with
``--verify``, the rows) differ; 2 on a usage error such as a missing ferris-sql binary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
GENERATOR = os.path.join(REPO_DIR, "examples", "generate_trading_data.py")
SETUP_DUCKDB = os.path.join(BENCH_DIR, "setup-duckdb.sh")

TARGET_RECORDS_PER_CPU_S = 1_000_000  # DESIGN.md §3

FERRIS_APP = """\
-- @app: bench_filter_project
CREATE STREAM trades (
  trade_id STRING, symbol STRING, trader_id STRING, side STRING, venue STRING,
  price DECIMAL(18,4), quantity BIGINT, trade_time BIGINT
) WITH ('trades.type' = 'file_source', 'trades.path' = {input}, 'trades.format' = 'jsonl');

CREATE STREAM big_trades AS
SELECT trade_id, symbol, price, quantity, price * quantity AS notional
FROM trades
WHERE quantity > 1000
WITH ('big_trades.type' = 'file_sink', 'big_trades.path' = {output}, 'big_trades.format' = 'jsonl');
"""

DUCKDB_QUERY = """\
COPY (
  SELECT trade_id, symbol, price, quantity, price * quantity AS notional
  FROM read_json({input}, format = 'newline_delimited', columns = {{
    trade_id: 'VARCHAR', symbol: 'VARCHAR', trader_id: 'VARCHAR', side: 'VARCHAR',
    venue: 'VARCHAR', price: 'DECIMAL(18,4)', quantity: 'BIGINT', trade_time: 'BIGINT'}})
  WHERE quantity > 1000
) TO {output} (FORMAT JSON)"""

# Run by the venv's python: argv[1] = the query. Prints one JSON line of in-process figures.
DUCKDB_SCRIPT = """\
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import duckdb
t1, c1 = time.perf_counter(), time.process_time()
con = duckdb.connect()
con.execute("SET threads = 1")
con.execute(sys.argv[1])
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"duckdb_version": duckdb.__version__, "import_cpu_s": c1 - c0,
                  "query_wall_s": t2 - t1, "query_cpu_s": c2 - c1}))
"""


@dataclass
class RunResult:
    """One measured run of one engine."""

    engine: str
    records: int
    wall_s: float
    cpu_s: float
    user_s: float
    sys_s: float
    records_per_cpu_s: float
    peak_rss_mb: float
    output_rows: int
    extra: dict = field(default_factory=dict)


class RunError(Exception):
    """An engine failed; the message holds the command, exit status and output tail."""


def sql_string(text: str) -> str:
    """A SQL string literal ('' doubles a quote)."""
    return "'" + text.replace("'", "''") + "'"


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (falls back to platform.processor())."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def count_lines(path: str) -> int:
    """Newline-terminated lines in a file, or in all files under a directory."""
    if os.path.isdir(path):
        return sum(count_lines(os.path.join(root, name))
                   for root, _, names in os.walk(path) for name in names)
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        n += 1  # a last line without its newline
    return n


def tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def run_measured(cmd: list[str], cwd: str, log_prefix: str, timeout_s: float,
                 monitor=None):
    """Runs cmd as a child, waits with os.wait4; returns (wall_s, rusage, stdout_path).

    stdout and stderr go to files (<log_prefix>.out / .err) so that no pipe can block the
    child. Raises RunError on a non-zero exit or when the timeout kills it. ``monitor``, if
    given, is called as ``monitor(proc, done)`` in a thread of its own while the child runs
    (``done`` is a threading.Event set once the child has been reaped); it may watch the
    child or signal it, and costs the child nothing.
    """
    out_path, err_path = log_prefix + ".out", log_prefix + ".err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        done = threading.Event()
        watcher = None
        if monitor is not None:
            watcher = threading.Thread(target=monitor, args=(proc, done), daemon=True)
            watcher.start()
        try:
            while True:
                try:
                    _, status, usage = os.wait4(proc.pid, 0)
                    break
                except InterruptedError:
                    continue
                except KeyboardInterrupt:
                    kill()
                    raise
        finally:
            timer.cancel()
            done.set()
            if watcher is not None:
                watcher.join()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    if timed_out.is_set():
        raise RunError(f"{' '.join(cmd)}: killed after the {timeout_s:.0f} s timeout\n"
                       f"{tail(err_path)}")
    if proc.returncode != 0:
        raise RunError(f"{' '.join(cmd)}: exit status {proc.returncode}\n"
                       f"--- stderr (tail) ---\n{tail(err_path)}\n"
                       f"--- stdout (tail) ---\n{tail(out_path)}")
    return wall, usage, out_path


def make_result(engine: str, records: int, wall: float, usage, output_rows: int,
                extra: dict | None = None) -> RunResult:
    cpu = usage.ru_utime + usage.ru_stime
    return RunResult(engine=engine, records=records, wall_s=wall, cpu_s=cpu,
                     user_s=usage.ru_utime, sys_s=usage.ru_stime,
                     records_per_cpu_s=records / cpu if cpu > 0 else float("inf"),
                     peak_rss_mb=usage.ru_maxrss / 1024.0,  # Linux: KiB
                     output_rows=output_rows, extra=extra or {})


def ensure_input(data_dir: str, records: int, seed: int) -> str:
    """bench data: trades_<N>.jsonl, generated (numbers only, no string prices) if missing."""
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, f"trades_{records}.jsonl")
    if os.path.exists(path):
        return path
    tmp = path + ".tmp"
    print(f"e2e: generating {records} trades into {path} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, GENERATOR, "--trades", str(records), "--quotes", "0",
                    "--no-string-prices", "--seed", str(seed), "--trades-file", tmp,
                    "--quiet"], check=True)
    os.replace(tmp, path)
    print(f"e2e: generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def run_ferris(binary: str, input_path: str, work: str, records: int,
               timeout_s: float) -> RunResult:
    """Writes the app next to its output in a fresh directory and runs `ferris-sql run`."""
    run_dir = tempfile.mkdtemp(prefix="ferris-", dir=work)
    app = os.path.join(run_dir, "bench_filter_project.sql")
    output = os.path.join(run_dir, "big_trades.jsonl")
    with open(app, "w", encoding="utf-8") as f:
        f.write(FERRIS_APP.format(input=sql_string(input_path), output=sql_string(output)))
    wall, usage, _ = run_measured([binary, "run", app], run_dir,
                                  os.path.join(run_dir, "ferris-sql"), timeout_s)
    if not os.path.exists(output):
        raise RunError(f"ferris-sql exited 0 but wrote no {output}")
    return make_result("ferris-sql", records, wall, usage, count_lines(output),
                       {"output": output, "app": app})


def run_duckdb(python: str, input_path: str, work: str, records: int,
               timeout_s: float) -> RunResult:
    """Runs the DuckDB query in a fresh venv Python process (one thread)."""
    run_dir = tempfile.mkdtemp(prefix="duckdb-", dir=work)
    output = os.path.join(run_dir, "out.json")
    query = DUCKDB_QUERY.format(input=sql_string(input_path), output=sql_string(output))
    wall, usage, out_path = run_measured([python, "-c", DUCKDB_SCRIPT, query], run_dir,
                                         os.path.join(run_dir, "duckdb"), timeout_s)
    extra: dict = {"output": output, "query": query}
    try:
        with open(out_path, encoding="utf-8") as f:
            extra.update(json.loads(f.read().strip().splitlines()[-1]))
    except (OSError, ValueError, IndexError):
        pass
    return make_result("duckdb", records, wall, usage, count_lines(output), extra)


def duckdb_python() -> str:
    """The venv python with DuckDB, setting the venv up first when needed."""
    proc = subprocess.run(["bash", SETUP_DUCKDB], check=True, stdout=subprocess.PIPE,
                          text=True)
    return proc.stdout.strip().splitlines()[-1]


def _normalize(line: str) -> tuple:
    """A row as comparable values: DECIMALs (string or number) as Decimal."""
    row = json.loads(line, parse_float=Decimal)

    def dec(v):
        return Decimal(v) if isinstance(v, (str, int)) else v

    return (row.get("trade_id"), row.get("symbol"), dec(row.get("price")),
            int(row.get("quantity")), dec(row.get("notional")))


def verify_same_rows(a_path: str, b_path: str) -> str | None:
    """Compares two JSONL outputs row by row (in order); returns a difference or None."""
    with open(a_path, encoding="utf-8") as a, open(b_path, encoding="utf-8") as b:
        for n, (la, lb) in enumerate(zip(a, b), start=1):
            if _normalize(la) != _normalize(lb):
                return f"row {n} differs:\n  {la.strip()}\n  {lb.strip()}"
    return None


def best_of(runs: list[RunResult]) -> RunResult:
    return min(runs, key=lambda r: r.cpu_s)


def markdown_table(results: list[RunResult]) -> str:
    lines = ["| engine | records | wall s | CPU s | records per CPU-second | peak RSS MB "
             "| output rows |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.engine} | {r.records:,} | {r.wall_s:.2f} | {r.cpu_s:.2f} "
                     f"| {r.records_per_cpu_s:,.0f} | {r.peak_rss_mb:.1f} "
                     f"| {r.output_rows:,} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="ferris-sql vs DuckDB: filter+projection, JSONL file to JSONL file.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--ferris-sql", metavar="PATH", help="the ferris-sql binary")
    parser.add_argument("--records", type=int, default=5_000_000, help="input trades")
    parser.add_argument("--data-dir", default=os.path.join(BENCH_DIR, "data"),
                        help="where trades_<N>.jsonl is kept (and runs write their output)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument("--skip-duckdb", action="store_true", help="do not run DuckDB")
    parser.add_argument("--skip-ferris", action="store_true", help="do not run ferris-sql")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per engine; the one with the least CPU time is reported")
    parser.add_argument("--verify", action="store_true",
                        help="also compare the two outputs row by row (slow in Python)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--keep", action="store_true",
                        help="keep the run directories (always kept when a run fails)")
    parser.add_argument("--json-out", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.records <= 0 or args.repeat <= 0:
        parser.error("--records and --repeat must be > 0")
    if args.skip_ferris and args.skip_duckdb:
        parser.error("nothing to run: both --skip-ferris and --skip-duckdb")
    if not args.skip_ferris:
        if not args.ferris_sql:
            parser.error("--ferris-sql PATH is required (or --skip-ferris)")
        args.ferris_sql = os.path.abspath(args.ferris_sql)
        if not (os.path.isfile(args.ferris_sql) and os.access(args.ferris_sql, os.X_OK)):
            print(f"e2e: ferris-sql binary not found or not executable: {args.ferris_sql}\n"
                  "     build it (make build-release) or pass --skip-ferris",
                  file=sys.stderr)
            sys.exit(2)
    args.data_dir = os.path.abspath(args.data_dir)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    input_path = ensure_input(args.data_dir, args.records, args.seed)
    work = tempfile.mkdtemp(prefix="e2e-run-", dir=args.data_dir)
    results: list[RunResult] = []
    failures: list[str] = []
    duckdb_py = None if args.skip_duckdb else duckdb_python()
    try:
        if not args.skip_ferris:
            try:
                runs = []
                for i in range(args.repeat):
                    print(f"e2e: ferris-sql run {i + 1}/{args.repeat} ...", file=sys.stderr,
                          flush=True)
                    runs.append(run_ferris(args.ferris_sql, input_path, work, args.records,
                                           args.timeout))
                results.append(best_of(runs))
            except RunError as e:
                failures.append(f"ferris-sql failed: {e}")
        if duckdb_py:
            try:
                runs = []
                for i in range(args.repeat):
                    print(f"e2e: duckdb run {i + 1}/{args.repeat} ...", file=sys.stderr,
                          flush=True)
                    runs.append(run_duckdb(duckdb_py, input_path, work, args.records,
                                           args.timeout))
                results.append(best_of(runs))
            except RunError as e:
                failures.append(f"duckdb failed: {e}")

        by_engine = {r.engine: r for r in results}
        checks: dict = {}
        ferris = by_engine.get("ferris-sql")
        duck = by_engine.get("duckdb")
        if ferris and duck:
            checks["same_row_count"] = ferris.output_rows == duck.output_rows
            if not checks["same_row_count"]:
                failures.append(f"row counts differ: ferris-sql {ferris.output_rows:,}, "
                                f"duckdb {duck.output_rows:,}")
            elif args.verify:
                diff = verify_same_rows(ferris.extra["output"], duck.extra["output"])
                checks["same_rows"] = diff is None
                if diff:
                    failures.append(f"outputs differ: {diff}")
            checks["ferris_vs_duckdb"] = ferris.records_per_cpu_s / duck.records_per_cpu_s
            checks["at_least_duckdb"] = ferris.records_per_cpu_s >= duck.records_per_cpu_s
        if ferris:
            checks["at_least_1m_per_cpu_s"] = ferris.records_per_cpu_s >= TARGET_RECORDS_PER_CPU_S

        model = cpu_model()
        print()
        print(f"End-to-end filter+projection, JSONL file -> JSONL file "
              f"({args.records:,} trades, {os.path.getsize(input_path) / 1e6:,.0f} MB)")
        print()
        print(markdown_table(results))
        print()
        print(f"CPU: {model} ({os.cpu_count()} logical CPUs)")
        if duck:
            print(f"DuckDB {duck.extra.get('duckdb_version', '?')}, threads=1; its figure "
                  f"includes Python start-up and import (query alone: "
                  f"{duck.extra.get('query_cpu_s', float('nan')):.2f} CPU s)")
        if ferris:
            ok = "met" if checks["at_least_1m_per_cpu_s"] else "NOT met"
            print(f"Target >= {TARGET_RECORDS_PER_CPU_S:,} records per CPU-second: {ok}")
        if "ferris_vs_duckdb" in checks:
            ok = "met" if checks["at_least_duckdb"] else "NOT met"
            print(f"Target >= DuckDB: {ok} (ferris-sql / DuckDB = "
                  f"{checks['ferris_vs_duckdb']:.2f})")
        for failure in failures:
            print(f"e2e: {failure}", file=sys.stderr)

        if args.json_out:
            if not (args.keep or failures):  # the run directories are removed below
                for r in results:
                    r.extra.pop("output", None)
                    r.extra.pop("app", None)
                    r.extra.pop("query", None)
            report = {
                "benchmark": "e2e_filter_projection_jsonl",
                "query": "SELECT trade_id, symbol, price, quantity, price * quantity AS "
                         "notional FROM trades WHERE quantity > 1000",
                "ferris_app": FERRIS_APP.format(input=sql_string(input_path),
                                                output=sql_string("<out>")),
                "duckdb_query": DUCKDB_QUERY.format(input=sql_string(input_path),
                                                    output=sql_string("<out>")),
                "input": input_path,
                "input_bytes": os.path.getsize(input_path),
                "records": args.records,
                "seed": args.seed,
                "repeat": args.repeat,
                "cpu_model": model,
                "logical_cpus": os.cpu_count(),
                "kernel": platform.release(),
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "results": [asdict(r) for r in results],
                "checks": checks,
                "failures": failures,
            }
            os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
            with open(args.json_out, "w", encoding="utf-8") as f:
                json.dump(report, f, indent=2)
                f.write("\n")
            print(f"JSON: {args.json_out}")
    finally:
        if args.keep or failures:
            print(f"e2e: run directories kept under {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
