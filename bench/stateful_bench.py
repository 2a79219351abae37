#!/usr/bin/env python3
"""Stateful end-to-end benchmark: windowed GROUP BY, OVER, state size and checkpoint cost.

The stateful half of DESIGN.md §3, measured like bench/e2e_bench.py (whose helpers it
uses): every run is a child process measured with ``os.wait4``, so records per CPU-second
= input records / (user + sys CPU seconds of that child); peak RSS is the engine's own
``ru_maxrss`` as GNU time reports it (see measure()); best of ``--repeat`` runs (least
CPU). DuckDB (``bench/setup-duckdb.sh``, ``threads=1``) runs the batch equivalent of the
tumbling query in the same run, on the same file; ``--verify`` compares its rows.

Input: ``bench/data/keyed_<N>_k<keys>_m<minutes>_s<seed>.jsonl``, generated once with a
fixed seed. Record i is::

    {"key":"K04711","qty":512,"price":123.4567,"ts":1704067234567}

``key`` uniform over K00000..K<keys-1>, ``qty`` uniform 1..999 (BIGINT), ``price`` uniform
10.0000..999.9999 written as a JSON number (DECIMAL(18,4)), ``ts`` epoch milliseconds =
2024-01-01T00:00Z + i * span / N + a jitter of 0..999 ms (ascending, out of order by less
than 1 s; the jobs set ``watermark.max_out_of_orderness = '1s'`` so no record is late).

Workloads (``--workloads``, all by default):

* ``tumbling``   ``GROUP BY key WINDOW TUMBLING(1m)`` with COUNT, SUM(qty), MIN/MAX(price),
                 EMIT FINAL to a file_sink; DuckDB: ``GROUP BY key, ts - ts % 60000`` with
                 ``read_json`` and ``COPY ... TO ... (FORMAT JSON)``. Same row count checked.
* ``sliding``    the same with ``WINDOW SLIDING(1h, 1m)`` (each record is in 60 windows).
* ``session``    the same with ``WINDOW SESSION(30s)`` (also selects ``_window_end``).
* ``over``       ``AVG(price) OVER (PARTITION BY key ORDER BY _event_time RANGE BETWEEN
                 INTERVAL '5' MINUTE PRECEDING AND CURRENT ROW)``; a ``not supported yet``
                 answer is recorded, not a failure.
* ``state``      state bytes per key: the tumbling query with ``TUMBLING(1d)`` (every key
                 stays open) and ``commit.interval = '1h'``, interrupted with SIGINT once
                 half the input has been read; Ctrl-C commits one checkpoint, whose state
                 files (``.ferris-state/<app>/<job>/``, listed by its MANIFEST) / keys in
                 the input before the checkpoint's source offset = bytes per key on disk. Plus the in-memory estimate: peak RSS of the whole
                 1d job over all keys minus that of the same job with
                 ``WHERE key < 'K00010'`` (10 keys), divided by the difference in keys.
* ``checkpoint`` the tumbling job at each ``commit.interval`` of ``--checkpoint-intervals``
                 (default 100ms, 1s, 1h): checkpoints (the last MANIFEST's
                 ``checkpoint_id``), CPU and wall time, peak RSS, and the state files the
                 MANIFEST names, sampled every 10 ms while the job runs (a file that lives
                 less than that may be missed). The cost of a checkpoint is the CPU (wall)
                 difference to the next longer interval divided by the difference in
                 checkpoints. A commit also flushes and fsyncs the sink.

The window jobs' outputs are checked: COUNT(*) summed over the output rows must be the
input records (times 60 for the sliding window), and ferris-sql's own log must report every
record in, none bad or late.

Usage::

    python3 bench/stateful_bench.py --ferris-sql build/release/src/apps/ferris-sql
    python3 bench/stateful_bench.py --ferris-sql PATH --records 1000000 --workloads tumbling,state

Exit status: 0 on success (also when OVER is not supported yet); 1 when a run fails or a
check fails; 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from decimal import Decimal

from e2e_bench import (BENCH_DIR, DUCKDB_SCRIPT, RunError, RunResult, count_lines,
                       cpu_model, duckdb_python, make_result, run_measured, sql_string)

TARGET_TUMBLING_PER_CPU_S = 700_000    # issue: tumbling >= 700k records per CPU-second
TARGET_VS_DUCKDB = 0.5                 # ... and >= half of DuckDB's batch GROUP BY
TARGET_SLIDING_VS_TUMBLING = 0.5       # sliding (1h, 1m) >= 50 % of tumbling

APP = "stateful_bench"
START_MS = 1_704_067_200_000           # 2024-01-01T00:00:00Z
OUT_OF_ORDER = "1s"                    # jitter is 0..999 ms
MIN_EXTRA_CHECKPOINTS = 20            # fewer: the cost per checkpoint is left blank
ALL_WORKLOADS = ["tumbling", "sliding", "session", "over", "state", "checkpoint"]

SOURCE = """\
-- @app: {app}
CREATE STREAM t (key STRING, qty BIGINT, price DECIMAL(18,4), ts TIMESTAMP)
WITH ('t.type' = 'file_source', 't.path' = {input}, 't.format' = 'jsonl',
      't.event.time.field' = 'ts');

CREATE STREAM {job} AS
{select}
WITH ({job_keys}'{job}.type' = 'file_sink', '{job}.path' = {output}, '{job}.format' = 'jsonl');
"""

AGGREGATES = "COUNT(*) AS n, SUM(qty) AS qty, MIN(price) AS min_price, MAX(price) AS max_price"
WINDOW_SELECT = "SELECT key, _window_start, {extra}" + AGGREGATES + \
    "\nFROM t {where}GROUP BY key WINDOW {window}"
OVER_SELECT = ("SELECT key, price, AVG(price) OVER (PARTITION BY key ORDER BY _event_time\n"
               "  RANGE BETWEEN INTERVAL '5' MINUTE PRECEDING AND CURRENT ROW) AS ma\nFROM t")

DUCKDB_TUMBLING = """\
COPY (
  SELECT key, ts - ts % 60000 AS _window_start, COUNT(*) AS n, SUM(qty) AS qty,
         MIN(price) AS min_price, MAX(price) AS max_price
  FROM read_json({input}, format = 'newline_delimited', columns = {{
    key: 'VARCHAR', qty: 'BIGINT', price: 'DECIMAL(18,4)', ts: 'BIGINT'}})
  GROUP BY key, ts - ts % 60000
) TO {output} (FORMAT JSON)"""

FINISHED_RE = re.compile(r"(finished|stopped): (\d+) records in, (\d+) out, (\d+) bad, "
                         r"(\d+) late dropped")


def log(msg: str) -> None:
    print(f"stateful: {msg}", file=sys.stderr, flush=True)


def window_select(window: str, where: str = "", session: bool = False) -> str:
    return WINDOW_SELECT.format(extra="_window_end, " if session else "",
                                where=f"WHERE {where} " if where else "", window=window)


# ---------------------------------------------------------------------------- input

def input_path(args) -> str:
    return os.path.join(args.data_dir, f"keyed_{args.records}_k{args.keys}_m{args.minutes}"
                                       f"_s{args.seed}.jsonl")


def ensure_input(args) -> str:
    """Generates the keyed JSONL input (fixed seed) unless it already exists."""
    path = input_path(args)
    if os.path.exists(path):
        return path
    os.makedirs(args.data_dir, exist_ok=True)
    log(f"generating {args.records:,} records into {path} ...")
    started = time.perf_counter()
    rng = random.Random(args.seed)
    randrange = rng.randrange
    n, keys, span = args.records, args.keys, args.minutes * 60_000
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        lines = []
        for i in range(n):
            lines.append('{"key":"K%05d","qty":%d,"price":%d.%04d,"ts":%d}\n' % (
                randrange(keys), randrange(1, 1000), randrange(10, 1000), randrange(10000),
                START_MS + i * span // n + randrange(1000)))
            if len(lines) == 65536:
                f.write("".join(lines))
                lines.clear()
        f.write("".join(lines))
    os.replace(tmp, path)
    log(f"generated in {time.perf_counter() - started:.1f} s "
        f"({os.path.getsize(path) / 1e6:,.0f} MB)")
    return path


def keys_in_prefix(path: str, offset: int) -> int:
    """Distinct keys among the records before byte `offset` (the checkpoint's position)."""
    seen: set[bytes] = set()
    with open(path, "rb") as f:
        left = offset
        rest = b""
        while left > 0:
            chunk = f.read(min(left, 1 << 24))
            if not chunk:
                break
            left -= len(chunk)
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            seen.update(line[8:14] for line in lines)  # {"key":"K01234",
    return len(seen)


# ---------------------------------------------------------------------------- runs

GNU_TIME = "/usr/bin/time"


def measure(cmd: list[str], cwd: str, log_prefix: str, timeout_s: float, monitor=None):
    """run_measured, with the peak RSS taken by GNU time when it is installed.

    The child's ru_maxrss from wait4 is at least the RSS of the process it was forked from
    (Linux keeps the old mm's high-water mark across exec), and this script's Python can
    hold ~100 MB after checking outputs. GNU time (~2 MB) forks the engine itself and
    reports the engine's own peak; the CPU time still comes from our wait4 (it includes
    GNU time's own, ~1 ms). Returns (wall_s, usage, stdout_path, peak_rss_kb or None).
    """
    if not os.access(GNU_TIME, os.X_OK):
        wall, usage, out = run_measured(cmd, cwd, log_prefix, timeout_s, monitor)
        return wall, usage, out, None
    rss_file = log_prefix + ".maxrss"
    wall, usage, out = run_measured([GNU_TIME, "-f", "%M", "-o", rss_file] + cmd, cwd,
                                    log_prefix, timeout_s, monitor)
    try:
        with open(rss_file, encoding="ascii") as f:
            return wall, usage, out, int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        return wall, usage, out, None


def engine_pid(proc) -> int | None:
    """The engine's pid: proc itself, or GNU time's child when wrapped."""
    if not os.access(GNU_TIME, os.X_OK):
        return proc.pid
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children", encoding="ascii") as f:
            children = f.read().split()
        return int(children[0]) if children else None
    except (OSError, ValueError):
        return None


def with_rss(result: RunResult, peak_kb: int | None) -> RunResult:
    if peak_kb is not None:
        result.peak_rss_mb = peak_kb / 1024.0
        result.extra["peak_rss_from"] = "GNU time"
    else:
        result.extra["peak_rss_from"] = "wait4 ru_maxrss (may include the parent's RSS)"
    return result


def ferris_log(run_dir: str) -> dict:
    """The job's summary line from ferris-sql's stderr ('finished: N records in, ...')."""
    try:
        with open(os.path.join(run_dir, "ferris-sql.err"), encoding="utf-8",
                  errors="replace") as f:
            text = f.read()
    except OSError:
        return {}
    m = None
    for m in FINISHED_RE.finditer(text):
        pass
    if not m:
        return {}
    return {"how": m.group(1), "in": int(m.group(2)), "out": int(m.group(3)),
            "bad": int(m.group(4)), "late": int(m.group(5))}


def job_name(workload: str) -> str:
    """The job (and sink) name: 'over' and 'state' are reserved words in ferris-sql."""
    return f"bench_{workload}"


def state_dir(run_dir: str, workload: str) -> str:
    return os.path.join(run_dir, ".ferris-state", APP, job_name(workload))


def read_manifest(directory: str) -> dict | None:
    try:
        with open(os.path.join(directory, "MANIFEST"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # not written yet, or caught mid-rename


def state_files(manifest: dict) -> list[dict]:
    """The snapshot and delta files a MANIFEST references ({file, bytes, records})."""
    files = []
    for store in manifest.get("stores", []):
        if store.get("snapshot"):
            files.append(store["snapshot"])
        files.extend(store.get("deltas", []))
    return files


def run_ferris(args, workload: str, select: str, job_keys: dict, work: str,
               monitor_factory=None) -> tuple[RunResult, str]:
    """Writes the app into a fresh directory and runs `ferris-sql run` on it.

    monitor_factory(run_dir) may return a monitor for run_measured. Returns the result and
    the run directory (which holds the app, the output, the logs and .ferris-state).
    """
    run_dir = tempfile.mkdtemp(prefix=f"ferris-{workload}-", dir=work)
    app = os.path.join(run_dir, f"{APP}.sql")
    output = os.path.join(run_dir, f"{workload}.jsonl")
    job = job_name(workload)
    keys = "".join(f"{sql_string(k)} = {sql_string(v)},\n      " for k, v in job_keys.items())
    with open(app, "w", encoding="utf-8") as f:
        f.write(SOURCE.format(app=APP, input=sql_string(args.input), job=job,
                              select=select, job_keys=keys, output=sql_string(output)))
    monitor = monitor_factory(run_dir) if monitor_factory else None
    wall, usage, _, peak_kb = measure([args.ferris_sql, "run", "--no-progress", app], run_dir,
                                      os.path.join(run_dir, "ferris-sql"), args.timeout, monitor)
    rows = count_lines(output) if os.path.exists(output) else 0
    extra = {"app": app, "output": output, "log": ferris_log(run_dir)}
    return with_rss(make_result("ferris-sql", args.records, wall, usage, rows, extra),
                    peak_kb), run_dir


def run_duckdb(args, python: str, query_template: str, work: str) -> RunResult:
    run_dir = tempfile.mkdtemp(prefix="duckdb-", dir=work)
    output = os.path.join(run_dir, "out.json")
    query = query_template.format(input=sql_string(args.input), output=sql_string(output))
    wall, usage, out_path, peak_kb = measure([python, "-c", DUCKDB_SCRIPT, query], run_dir,
                                             os.path.join(run_dir, "duckdb"), args.timeout)
    extra: dict = {"output": output}
    try:
        with open(out_path, encoding="utf-8") as f:
            extra.update(json.loads(f.read().strip().splitlines()[-1]))
    except (OSError, ValueError, IndexError):
        pass
    return with_rss(make_result(f"DuckDB {extra.get('duckdb_version', '?')} (1 thread)",
                                args.records, wall, usage, count_lines(output), extra), peak_kb)


def repeat(args, what: str, fn):
    runs = []
    for i in range(args.repeat):
        log(f"{what} run {i + 1}/{args.repeat} ...")
        runs.append(fn())
    return runs


def pick(args, runs: list[RunResult], key=lambda r: r.cpu_s) -> RunResult:
    """The best run (least CPU by default); the others' directories (outputs of up to a few
    hundred MB) are removed at once unless --keep."""
    best = min(runs, key=key)
    best.extra["cpu_s_runs"] = [round(r.cpu_s, 3) for r in runs]
    if not args.keep:
        for r in runs:
            if r is not best:
                where = r.extra.get("output") or r.extra.get("app")
                if where:
                    shutil.rmtree(os.path.dirname(where), ignore_errors=True)
    return best


def sum_counts(path: str) -> int:
    total = 0
    with open(path, "rb") as f:
        for line in f:
            total += json.loads(line)["n"]
    return total


def check_window_run(args, r: RunResult, factor: int, failures: list[str], name: str) -> None:
    """Every record in, none bad or late, and the COUNT(*) column sums to records x factor."""
    entry = r.extra.get("log", {})
    if entry.get("in") != args.records or entry.get("bad") or entry.get("late"):
        failures.append(f"{name}: ferris-sql log says {entry or 'nothing'}, expected "
                        f"{args.records} records in, 0 bad, 0 late")
    total = sum_counts(r.extra["output"])
    r.extra["count_sum"] = total
    if total != args.records * factor:
        failures.append(f"{name}: COUNT(*) over the output sums to {total:,}, expected "
                        f"{args.records * factor:,}")


def normalized_rows(path: str) -> dict:
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line, parse_float=Decimal)
            rows[(row["key"], int(row["_window_start"]))] = (
                int(row["n"]), int(row["qty"]), Decimal(row["min_price"]),
                Decimal(row["max_price"]))
    return rows


# ---------------------------------------------------------------------------- workloads

def bench_window(args, name: str, select: str, factor: int, work: str, failures: list[str],
                 keys: dict | None = None) -> RunResult | None:
    job_keys = {"watermark.max_out_of_orderness": OUT_OF_ORDER, **(keys or {})}
    try:
        runs = repeat(args, f"{name} ferris-sql",
                      lambda: run_ferris(args, name, select, job_keys, work)[0])
    except RunError as e:
        failures.append(f"{name}: ferris-sql failed: {e}")
        return None
    best = pick(args, runs)
    check_window_run(args, best, factor, failures, name)
    return best


def bench_over(args, work: str, failures: list[str]) -> tuple[RunResult | None, str | None]:
    """Runs the OVER query; returns (result, None) or (None, the not-supported message)."""
    job_keys = {"watermark.max_out_of_orderness": OUT_OF_ORDER}
    try:
        runs = repeat(args, "over ferris-sql",
                      lambda: run_ferris(args, "over", OVER_SELECT, job_keys, work)[0])
    except RunError as e:
        m = re.search(r"not supported yet[^\n]*", str(e))
        if m:
            log(f"over: {m.group(0)}")
            return None, m.group(0)
        failures.append(f"over: ferris-sql failed: {e}")
        return None, None
    best = pick(args, runs)
    entry = best.extra.get("log", {})
    if entry.get("in") != args.records or entry.get("bad") or entry.get("late") \
            or best.output_rows != args.records:
        failures.append(f"over: {best.output_rows:,} rows out, log {entry}; expected one row "
                        f"per record ({args.records:,}), 0 bad, 0 late")
    return best, None


def sigint_when_read(fraction: float, size: int):
    """A monitor: SIGINT the child once it has read `fraction` of the input (/proc rchar)."""
    def monitor(proc, done) -> None:
        pid = None
        while not done.wait(0.005):
            pid = pid or engine_pid(proc)
            try:
                with open(f"/proc/{pid}/io", encoding="ascii") as f:
                    rchar = int(next(l for l in f if l.startswith("rchar:")).split()[1])
            except (OSError, StopIteration, ValueError, TypeError):
                continue
            if rchar >= fraction * size:
                if not done.is_set():
                    # The process group: GNU time ignores SIGINT, the engine gets it.
                    os.killpg(proc.pid, signal.SIGINT)
                return
    return monitor


def bench_state(args, work: str, failures: list[str]) -> dict:
    """State bytes per key: SIGINT checkpoint of a 1-day window, and the RSS difference."""
    report: dict = {}
    size = os.path.getsize(args.input)
    select = window_select("TUMBLING(1d)")
    job_keys = {"watermark.max_out_of_orderness": OUT_OF_ORDER, "commit.interval": "1h"}
    try:
        r, run_dir = run_ferris(args, "state", select, job_keys, work,
                                lambda _: sigint_when_read(args.state_fraction, size))
    except RunError as e:
        failures.append(f"state: ferris-sql failed: {e}")
        return report
    manifest = read_manifest(state_dir(run_dir, "state"))
    if not manifest or manifest.get("finished"):
        failures.append("state: no checkpoint of an interrupted run (the job ended before "
                        "SIGINT: input too small?)")
        return report
    offset = json.loads(manifest["blobs"]["source"])["offset"]
    files = state_files(manifest)
    state_bytes = sum(f["bytes"] for f in files)
    keys = keys_in_prefix(args.input, offset)
    records_read = json.loads(manifest["blobs"]["source"])["line"] - 1
    directory = state_dir(run_dir, "state")
    report["checkpoint"] = {
        "records_read": records_read, "keys": keys, "files": files,
        "state_file_bytes": state_bytes,
        "manifest_bytes": os.path.getsize(os.path.join(directory, "MANIFEST")),
        "bytes_per_key": state_bytes / keys if keys else None,
        "records_in_files": sum(f.get("records", 0) for f in files),
        "peak_rss_mb": r.peak_rss_mb, "cpu_s": r.cpu_s,
    }
    # In memory: the whole 1d job over every key against the same job over 10 keys.
    few = 10
    few_select = window_select("TUMBLING(1d)", where=f"key < 'K{few:05d}'")
    try:
        many_runs = repeat(args, "state (all keys) ferris-sql",
                           lambda: run_ferris(args, "state_all", select, job_keys, work)[0])
        few_runs = repeat(args, f"state ({few} keys) ferris-sql",
                          lambda: run_ferris(args, "state_few", few_select, job_keys, work)[0])
    except RunError as e:
        failures.append(f"state: ferris-sql failed: {e}")
        return report
    many = pick(args, many_runs, key=lambda x: x.peak_rss_mb)
    few_r = pick(args, few_runs, key=lambda x: x.peak_rss_mb)
    delta = (many.peak_rss_mb - few_r.peak_rss_mb) * 1024 * 1024
    report["rss"] = {
        "keys": args.keys, "few_keys": few,
        "peak_rss_mb_all_keys": many.peak_rss_mb, "peak_rss_mb_few_keys": few_r.peak_rss_mb,
        "rows_all_keys": many.output_rows, "rows_few_keys": few_r.output_rows,
        "bytes_per_key": delta / (args.keys - few),
        "results": [asdict(many), asdict(few_r)],
    }
    return report


def manifest_sampler(samples: dict):
    """A monitor factory: records every state file a MANIFEST names while the job runs."""
    def factory(run_dir: str):
        directory = state_dir(run_dir, "checkpoint")

        def monitor(proc, done) -> None:
            while True:
                finished = done.is_set()  # then one last look, at the final MANIFEST
                manifest = read_manifest(directory)
                if manifest:
                    for f in state_files(manifest):
                        samples[(run_dir, f["file"])] = f
                    samples[(run_dir, "MANIFEST")] = {
                        "file": "MANIFEST",
                        "bytes": os.path.getsize(os.path.join(directory, "MANIFEST"))
                        if os.path.exists(os.path.join(directory, "MANIFEST")) else 0}
                if finished:
                    return
                done.wait(0.01)
        return monitor
    return factory


def bench_checkpoint(args, work: str, failures: list[str]) -> dict:
    """The tumbling job at each commit.interval: checkpoints, CPU, state files written."""
    report: dict = {"intervals": {}}
    select = window_select("TUMBLING(1m)")
    for interval in args.checkpoint_intervals:
        samples: dict = {}
        job_keys = {"watermark.max_out_of_orderness": OUT_OF_ORDER, "commit.interval": interval}
        try:
            pairs = []
            for i in range(args.repeat):
                log(f"checkpoint (commit.interval {interval}) run {i + 1}/{args.repeat} ...")
                pairs.append(run_ferris(args, "checkpoint", select, job_keys, work,
                                        manifest_sampler(samples)))
        except RunError as e:
            failures.append(f"checkpoint: ferris-sql failed: {e}")
            return report
        r = pick(args, [p[0] for p in pairs])
        run_dir = os.path.dirname(r.extra["app"])
        manifest = read_manifest(state_dir(run_dir, "checkpoint")) or {}
        mine = [f for (d, name), f in samples.items() if d == run_dir and name != "MANIFEST"]
        snaps = [f["bytes"] for f in mine if f["file"].endswith(".snap")]
        deltas = [f["bytes"] for f in mine if f["file"].endswith(".delta")]
        checkpoints = manifest.get("checkpoint_id", 0)
        report["intervals"][interval] = {
            "result": asdict(r),
            "checkpoints": checkpoints,
            "state_files_seen": len(mine),
            "state_bytes_written": sum(deltas) + sum(snaps),
            "delta_bytes_mean": sum(deltas) / len(deltas) if deltas else 0,
            "delta_bytes_max": max(deltas, default=0),
            "snapshot_bytes_max": max(snaps, default=0),
            "manifest_bytes": samples.get((run_dir, "MANIFEST"), {}).get("bytes", 0),
        }
    # The marginal cost of a checkpoint: against the next (longer) interval's run. A few
    # extra checkpoints cost less than the run-to-run noise (±10 % of the CPU time here).
    runs = list(report["intervals"].values())
    for shorter, longer in zip(runs, runs[1:]):
        extra = shorter["checkpoints"] - longer["checkpoints"]
        if extra >= MIN_EXTRA_CHECKPOINTS:
            shorter["cpu_ms_per_extra_checkpoint"] = \
                (shorter["result"]["cpu_s"] - longer["result"]["cpu_s"]) * 1000 / extra
            shorter["wall_ms_per_extra_checkpoint"] = \
                (shorter["result"]["wall_s"] - longer["result"]["wall_s"]) * 1000 / extra
    return report


# ---------------------------------------------------------------------------- report

def table(rows: list[tuple[str, RunResult]]) -> str:
    lines = ["| workload | engine | records | wall s | CPU s | records per CPU-second "
             "| peak RSS MB | output rows |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows:
        lines.append(f"| {name} | {r.engine} | {r.records:,} | {r.wall_s:.2f} | {r.cpu_s:.2f} "
                     f"| {r.records_per_cpu_s:,.0f} | {r.peak_rss_mb:.1f} "
                     f"| {r.output_rows:,} |")
    return "\n".join(lines)


def checkpoint_table(intervals: dict) -> str:
    def ms(value) -> str:
        return "" if value is None else f"{value:.2f}"

    lines = ["| commit.interval | checkpoints | wall s | CPU s | records per CPU-second "
             "| peak RSS MB | state file bytes seen | largest delta | largest snapshot "
             "| CPU ms per extra checkpoint | wall ms per extra checkpoint |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for interval, c in intervals.items():
        r = c["result"]
        lines.append(f"| {interval} | {c['checkpoints']:,} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} "
                     f"| {r['records_per_cpu_s']:,.0f} | {r['peak_rss_mb']:.1f} "
                     f"| {c['state_bytes_written']:,} | {c['delta_bytes_max']:,} "
                     f"| {c['snapshot_bytes_max']:,} "
                     f"| {ms(c.get('cpu_ms_per_extra_checkpoint'))} "
                     f"| {ms(c.get('wall_ms_per_extra_checkpoint'))} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="ferris-sql stateful queries (windows, OVER, state, checkpoints), "
                    "with DuckDB's batch GROUP BY beside the tumbling window.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--ferris-sql", metavar="PATH", required=True,
                        help="the ferris-sql binary")
    parser.add_argument("--records", type=int, default=5_000_000, help="input records")
    parser.add_argument("--keys", type=int, default=10_000, help="distinct keys (<= 100000)")
    parser.add_argument("--minutes", type=int, default=120,
                        help="event-time span of the input in minutes")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument("--data-dir", default=os.path.join(BENCH_DIR, "data"),
                        help="where the input is kept (and runs write their output)")
    parser.add_argument("--workloads", default=",".join(ALL_WORKLOADS),
                        help="comma-separated subset of " + ",".join(ALL_WORKLOADS))
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per measurement; the one with the least CPU time counts")
    parser.add_argument("--skip-duckdb", action="store_true", help="do not run DuckDB")
    parser.add_argument("--verify", action="store_true",
                        help="also compare the tumbling rows with DuckDB's (slow in Python)")
    parser.add_argument("--state-fraction", type=float, default=0.5,
                        help="state: SIGINT once this fraction of the input has been read")
    parser.add_argument("--checkpoint-intervals", default="100ms,1s,1h",
                        help="checkpoint: the commit.interval values to run, shortest first; "
                             "the cost of a checkpoint is taken against the next one (10ms "
                             "gives the firmest figure but is fsync-bound: 10 s to minutes)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--keep", action="store_true", help="keep the run directories")
    parser.add_argument("--json-out", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    args.checkpoint_intervals = [v.strip() for v in args.checkpoint_intervals.split(",")
                                 if v.strip()]
    unknown = [w for w in args.workloads if w not in ALL_WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {ALL_WORKLOADS}")
    if args.records <= 0 or args.repeat <= 0 or args.minutes <= 0:
        parser.error("--records, --repeat and --minutes must be > 0")
    if not 10 < args.keys <= 100_000:
        parser.error("--keys must be in 11..100000")
    args.ferris_sql = os.path.abspath(args.ferris_sql)
    if not (os.path.isfile(args.ferris_sql) and os.access(args.ferris_sql, os.X_OK)):
        print(f"stateful: ferris-sql binary not found or not executable: {args.ferris_sql}\n"
              "          build it (make build-release)", file=sys.stderr)
        sys.exit(2)
    args.data_dir = os.path.abspath(args.data_dir)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.input = ensure_input(args)
    work = tempfile.mkdtemp(prefix="stateful-run-", dir=args.data_dir)
    failures: list[str] = []
    rows: list[tuple[str, RunResult]] = []
    checks: dict = {}
    report: dict = {}
    load_before = os.getloadavg()
    duckdb_py = None
    if "tumbling" in args.workloads and not args.skip_duckdb:
        duckdb_py = duckdb_python()
    try:
        tumbling = duck = sliding = None
        if "tumbling" in args.workloads:
            tumbling = bench_window(args, "tumbling", window_select("TUMBLING(1m)"), 1, work,
                                    failures)
            if tumbling:
                rows.append(("tumbling 1m", tumbling))
            if duckdb_py:
                try:
                    duck = pick(args, repeat(args, "tumbling DuckDB", lambda: run_duckdb(
                        args, duckdb_py, DUCKDB_TUMBLING, work)))
                    rows.append(("tumbling 1m (batch GROUP BY)", duck))
                except RunError as e:
                    failures.append(f"tumbling: DuckDB failed: {e}")
        if "sliding" in args.workloads:
            sliding = bench_window(args, "sliding", window_select("SLIDING(1h, 1m)"), 60, work,
                                   failures)
            if sliding:
                rows.append(("sliding 1h/1m", sliding))
        if "session" in args.workloads:
            session = bench_window(args, "session",
                                   window_select("SESSION(30s)", session=True), 1, work,
                                   failures)
            if session:
                rows.append(("session 30s", session))
        if "over" in args.workloads:
            over, unsupported = bench_over(args, work, failures)
            if over:
                rows.append(("OVER 5 min moving AVG", over))
            report["over_not_supported"] = unsupported
        if "state" in args.workloads:
            report["state"] = bench_state(args, work, failures)
        if "checkpoint" in args.workloads:
            report["checkpoint"] = bench_checkpoint(args, work, failures)

        if tumbling:
            checks["tumbling_per_cpu_s_met"] = \
                tumbling.records_per_cpu_s >= TARGET_TUMBLING_PER_CPU_S
        if tumbling and duck:
            checks["tumbling_vs_duckdb"] = tumbling.records_per_cpu_s / duck.records_per_cpu_s
            checks["tumbling_vs_duckdb_met"] = checks["tumbling_vs_duckdb"] >= TARGET_VS_DUCKDB
            if tumbling.output_rows != duck.output_rows:
                failures.append(f"tumbling: row counts differ: ferris-sql "
                                f"{tumbling.output_rows:,}, DuckDB {duck.output_rows:,}")
            elif args.verify:
                log("verifying the tumbling rows against DuckDB's ...")
                same = normalized_rows(tumbling.extra["output"]) == \
                    normalized_rows(duck.extra["output"])
                checks["tumbling_same_rows"] = same
                if not same:
                    failures.append("tumbling: rows differ from DuckDB's")
        if tumbling and sliding:
            checks["sliding_vs_tumbling"] = \
                sliding.records_per_cpu_s / tumbling.records_per_cpu_s
            checks["sliding_vs_tumbling_met"] = \
                checks["sliding_vs_tumbling"] >= TARGET_SLIDING_VS_TUMBLING

        # ------------------------------------------------------------------ print
        model = cpu_model()
        print()
        print(f"Stateful queries, JSONL file -> JSONL file ({args.records:,} records, "
              f"{args.keys:,} keys, {args.minutes} min of event time, "
              f"{os.path.getsize(args.input) / 1e6:,.0f} MB); best of {args.repeat}")
        print()
        if rows:
            print(table(rows))
            print()
        print(f"CPU: {model} ({os.cpu_count()} logical CPUs); load average before: "
              f"{load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
        if duck:
            print(f"DuckDB: threads=1; its figure includes Python start-up and import (query "
                  f"alone: {duck.extra.get('query_cpu_s', float('nan')):.2f} CPU s)")
        if tumbling:
            ok = "met" if checks["tumbling_per_cpu_s_met"] else "NOT met"
            print(f"Target tumbling >= {TARGET_TUMBLING_PER_CPU_S:,} records per CPU-second: "
                  f"{ok} ({tumbling.records_per_cpu_s:,.0f})")
        if "tumbling_vs_duckdb" in checks:
            ok = "met" if checks["tumbling_vs_duckdb_met"] else "NOT met"
            print(f"Target tumbling >= 0.5 x DuckDB: {ok} "
                  f"(ferris-sql / DuckDB = {checks['tumbling_vs_duckdb']:.2f})")
        if "sliding_vs_tumbling" in checks:
            ok = "met" if checks["sliding_vs_tumbling_met"] else "NOT met"
            print(f"Target sliding >= 0.5 x tumbling: {ok} "
                  f"(sliding / tumbling = {checks['sliding_vs_tumbling']:.2f})")
        if report.get("over_not_supported"):
            print(f"OVER: ferris-sql answers: {report['over_not_supported']}")
        st = report.get("state", {})
        if "checkpoint" in st:
            c = st["checkpoint"]
            print(f"State, checkpoint on SIGINT (TUMBLING(1d), {c['records_read']:,} records "
                  f"read, {c['keys']:,} keys open): {c['state_file_bytes']:,} bytes in "
                  f"{len(c['files'])} state file(s) ({c['records_in_files']:,} records) "
                  f"+ MANIFEST {c['manifest_bytes']:,} B = {c['bytes_per_key']:.0f} bytes per key")
        if "rss" in st:
            m = st["rss"]
            print(f"State, in memory (peak RSS, TUMBLING(1d) over the whole input): "
                  f"{m['keys']:,} keys {m['peak_rss_mb_all_keys']:.1f} MB, {m['few_keys']} keys "
                  f"{m['peak_rss_mb_few_keys']:.1f} MB -> {m['bytes_per_key']:.0f} bytes per key")
        ck = report.get("checkpoint", {}).get("intervals", {})
        if ck:
            print()
            print(checkpoint_table(ck))
            print()
            print("Checkpoint: CPU and wall ms per extra checkpoint are taken against the next "
                  f"row (blank when it has fewer than {MIN_EXTRA_CHECKPOINTS} more); each commit "
                  "also flushes and fsyncs the sink.")
        for failure in failures:
            print(f"stateful: {failure}", file=sys.stderr)

        if args.json_out:
            for _, r in rows:
                if not (args.keep or failures):
                    r.extra.pop("output", None)
                    r.extra.pop("app", None)
            doc = {
                "benchmark": "stateful_jsonl",
                "input": args.input, "input_bytes": os.path.getsize(args.input),
                "records": args.records, "keys": args.keys, "minutes": args.minutes,
                "seed": args.seed, "repeat": args.repeat,
                "queries": {
                    "tumbling": window_select("TUMBLING(1m)"),
                    "sliding": window_select("SLIDING(1h, 1m)"),
                    "session": window_select("SESSION(30s)", session=True),
                    "over": OVER_SELECT,
                    "duckdb_tumbling": DUCKDB_TUMBLING.format(input=sql_string(args.input),
                                                              output=sql_string("<out>")),
                },
                "cpu_model": model, "logical_cpus": os.cpu_count(),
                "kernel": platform.release(),
                "load_average_before": load_before, "load_average_after": os.getloadavg(),
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "results": [{"workload": name, **asdict(r)} for name, r in rows],
                **report, "checks": checks, "failures": failures,
            }
            os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
            with open(args.json_out, "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=2, default=str)
                f.write("\n")
            print(f"JSON: {args.json_out}")
    finally:
        if args.keep or failures:
            print(f"stateful: run directories kept under {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
