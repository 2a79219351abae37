#!/usr/bin/env python3
"""Kafka → SQL → Kafka benchmark (DESIGN.md §3: ≥ 300,000 records/s per job, at least once,
loopback broker, reported beside raw librdkafka consume + produce measured in the same run).

Starts its own single-node broker with ``scripts/kafka.sh`` (a run directory of its own,
stopped at the end), and drives ``build/release/bench/kafka_bench_tool`` (plain librdkafka)
to create topics, produce input, read output with latencies and run the raw ceiling.

Input: N JSON trades, ≈ 117 bytes each, no key, e.g.::

    {"trade_id":"t123","symbol":"AAPL","trader_id":"u7","price":"187.2300","quantity":100,
     "trade_time":1700000000000}

produced into an input topic with 1 and with 4 partitions. Apps (``ferris-sql run``, at least
once = the default ``simple`` mode, JSON in and out, ``'src.bounded' = 'latest'`` so the job
ends at the end offsets present at its start)::

    passthrough:  SELECT * FROM trades
    filter:       SELECT trade_id, symbol, price, quantity, price * quantity AS notional
                  FROM trades WHERE price * quantity > 100000          (≈ 49 % of the rows)

Phases:

* throughput: each app on each input topic, measured with ``os.wait4`` on the child (GNU
  time in between for the engine's own peak RSS): records/s over the process's wall time
  (start-up, group join and the last commit included), CPU seconds per record (user + sys of
  the whole process, librdkafka's threads included), records per CPU-second, peak RSS. The
  output topic's record count is checked (at least the expected count).
  Every app runs with the engine's default client settings.
* raw ceiling: ``kafka_bench_tool relay`` (a consumer-group consumer with the engine's source
  settings → an idempotent producer with the engine's sink settings, delivery awaited and
  offsets committed every second, batches of 1024 as the engine's default batch.size); same
  measurements; the ratio SQL / raw.
* latency: the passthrough app carrying ``_timestamp AS produced_ms`` runs unbounded while
  records are produced at a fixed rate (``--rate``) with their Kafka timestamp set at
  produce time; a consumer of the output topic takes now − produced_ms for each record;
  after ``--warmup-s`` of records, ``--latency-s`` of records are measured; then the job gets
  SIGINT (it commits and exits 0).
* recovery (with the transactional runs): a stateful transactional job (GROUP BY trade_id:
  one group per record) over ``--recovery-groups`` records is SIGKILLed once it caught up; a
  new record is produced at that moment and the job started again; the time until that
  record's row is visible to a read_committed reader, and the changelog topic's size.
* sweep: batch.size 1, 100, 1000, 10000 on the passthrough app (1 partition), then
  batch.strategy adaptive (targets 20 ms and 2 ms) and memory_based (4 MiB and 64 KiB):
  throughput and latency for each; plus a few latency variants (batch.timeout, linger.ms).

Usage::

    python3 bench/kafka_bench.py --build build/release
    python3 bench/kafka_bench.py --build build/release --records 200000 --latency-s 5 --skip-sweep

Prints a table, writes ``--json-out`` (default build/bench-kafka.json). Exit status 0 on
success, 1 when a run fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from e2e_bench import REPO_DIR, RunError, cpu_model, run_measured, sql_string, tail

KAFKA_SH = os.path.join(REPO_DIR, "scripts", "kafka.sh")
GNU_TIME = "/usr/bin/time"
TARGET_RECORDS_PER_S = 300_000  # DESIGN.md §3

SOURCE_DECL = """\
CREATE STREAM trades (
  trade_id STRING, symbol STRING, trader_id STRING, price DECIMAL(18,4), quantity BIGINT,
  trade_time BIGINT
) WITH ('trades.type' = 'kafka_source', 'trades.topic' = {topic},
        'trades.bootstrap.servers' = {bootstrap}{source_extra});
"""

SELECTS = {
    "passthrough": "SELECT * FROM trades",
    "filter": ("SELECT trade_id, symbol, price, quantity, price * quantity AS notional\n"
               "FROM trades WHERE price * quantity > 100000"),
    "latency": "SELECT *, _timestamp AS produced_ms FROM trades",
}

SINK = """\
CREATE STREAM out AS
{select}
WITH ('out.type' = 'kafka_sink', 'out.topic' = {topic}, 'out.bootstrap.servers' = {bootstrap}{job_extra});
"""

# The engine's defaults bound the source's prefetch queue by bytes (8 MiB) alone; the runs use
# them as they are (an earlier record-count cap of 20,000 stalled librdkafka 2.0's fetcher).
TUNED_SOURCE = {}


def log(message: str) -> None:
    print(f"kafka-bench: {message}", file=sys.stderr, flush=True)


def properties(prefix: str, keys: dict) -> str:
    return "".join(f", {sql_string(prefix + k)} = {sql_string(v)}" for k, v in keys.items())


class Bench:
    """One benchmark run: the broker, the tool, a work directory, unique names."""

    def __init__(self, args) -> None:
        self.args = args
        self.tool = os.path.join(args.build, "bench", "kafka_bench_tool")
        self.ferris = os.path.join(args.build, "src", "apps", "ferris-sql")
        for path in (self.tool, self.ferris):
            if not os.access(path, os.X_OK):
                print(f"kafka-bench: {path} is missing; build it first "
                      f"(cmake --build {args.build})", file=sys.stderr)
                sys.exit(2)
        self.work = tempfile.mkdtemp(prefix="ferris-kafka-bench-")
        self.kafka_run = os.path.join(self.work, "kafka-run")
        self.bootstrap = ""
        self.serial = 0
        self.stamp = str(int(time.time()))

    def name(self, stem: str) -> str:
        self.serial += 1
        return f"{stem}-{self.stamp}-{self.serial}"

    # ------------------------------------------------------------------ broker, tool

    def kafka(self, command: str) -> str:
        env = dict(os.environ, FERRIS_KAFKA_RUN=self.kafka_run)
        done = subprocess.run([KAFKA_SH, command], env=env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise RunError(f"scripts/kafka.sh {command}: {done.stderr.strip()}")
        return done.stdout.strip()

    def tool_run(self, *argv: str, timeout: float = 600) -> dict:
        done = subprocess.run([self.tool, argv[0], self.bootstrap, *argv[1:]],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RunError(f"kafka_bench_tool {' '.join(argv)}: exit {done.returncode}\n"
                           f"{done.stderr.strip()[-2000:]}")
        lines = done.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else {}

    def topic(self, stem: str, partitions: int) -> str:
        name = self.name(stem)
        self.tool_run("create-topic", name, str(partitions))
        return name

    # ------------------------------------------------------------------ measured children

    def measure(self, cmd: list[str], label: str, timeout_s: float, monitor=None):
        """Runs cmd under GNU time (for the child's own peak RSS); wait4 gives its CPU time."""
        prefix = os.path.join(self.work, label)
        rss_file = prefix + ".maxrss"
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss_file] + cmd if os.access(GNU_TIME, os.X_OK) else cmd
        wall, usage, out_path = run_measured(wrapped, self.work, prefix, timeout_s, monitor)
        peak_kb = usage.ru_maxrss
        try:
            with open(rss_file, encoding="ascii") as f:
                peak_kb = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        cpu = usage.ru_utime + usage.ru_stime
        return {"wall_s": wall, "cpu_s": cpu, "user_s": usage.ru_utime,
                "sys_s": usage.ru_stime, "peak_rss_mb": peak_kb / 1024.0,
                "stdout": out_path, "stderr": prefix + ".err"}

    def app_file(self, select: str, in_topic: str, out_topic: str, source_keys: dict,
                 job_keys: dict, bounded: bool, mode: str = "simple") -> str:
        app = self.name("kbench").replace("-", "_")
        keys = dict(source_keys)
        if bounded:
            keys["bounded"] = "latest"
        text = (f"-- @app: {app}\n-- @job_mode: {mode}\n\n"
                + SOURCE_DECL.format(topic=sql_string(in_topic),
                                     bootstrap=sql_string(self.bootstrap),
                                     source_extra=properties("trades.", keys))
                + SINK.format(select=select, topic=sql_string(out_topic),
                              bootstrap=sql_string(self.bootstrap),
                              job_extra=properties("", job_keys)))
        run_dir = os.path.join(self.work, app)
        os.makedirs(run_dir)
        path = os.path.join(run_dir, "app.sql")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    # ------------------------------------------------------------------ phases

    def throughput(self, app: str, in_topic: str, partitions: int, records: int,
                   expected: int, source_keys: dict, job_keys: dict, label: str,
                   mode: str = "simple") -> dict:
        out_topic = self.topic("out", partitions)
        path = self.app_file(SELECTS[app], in_topic, out_topic, source_keys, job_keys, True, mode)
        m = self.measure([self.ferris, "run", "--no-progress", path], self.name("ferris"),
                         self.args.timeout)
        written = self.tool_run("count", out_topic)["records"]
        if written < expected:
            raise RunError(f"{label}: {written} records in {out_topic}, expected {expected}\n"
                           f"{tail(m['stderr'])}")
        return self.figures(m, records, label, {"output_records": written, "app": app,
                                                "partitions": partitions,
                                                "source_keys": source_keys,
                                                "job_keys": job_keys})

    def raw(self, in_topic: str, partitions: int, records: int, batch: int,
            consumer_keys: dict, label: str) -> dict:
        out_topic = self.topic("raw", partitions)
        consumer = ",".join(f"{k}={v}" for k, v in consumer_keys.items())
        m = self.measure([self.tool, "relay", self.bootstrap, in_topic, out_topic,
                          "--batch", str(batch), "--consumer", consumer],
                         self.name("relay"), self.args.timeout)
        written = self.tool_run("count", out_topic)["records"]
        if written < records:
            raise RunError(f"raw relay: {written} of {records} records written")
        with open(m["stdout"], encoding="utf-8") as f:
            relayed = json.loads(f.read().strip().splitlines()[-1])
        return self.figures(m, records, label,
                            {"output_records": written, "partitions": partitions,
                             "batch": batch, "consumer_keys": consumer_keys,
                             "fetch_wakeups": relayed["fetch_wakeups"]})

    @staticmethod
    def figures(m: dict, records: int, label: str, extra: dict) -> dict:
        return {"label": label, "records": records, "wall_s": m["wall_s"], "cpu_s": m["cpu_s"],
                "user_s": m["user_s"], "sys_s": m["sys_s"],
                "records_per_s": records / m["wall_s"],
                "cpu_us_per_record": m["cpu_s"] / records * 1e6,
                "records_per_cpu_s": records / m["cpu_s"] if m["cpu_s"] > 0 else None,
                "peak_rss_mb": m["peak_rss_mb"], **extra}

    def latency(self, label: str, rate: int, source_keys: dict, job_keys: dict,
                partitions: int = 1, mode: str = "simple") -> dict:
        """The latency app unbounded; paced input; percentiles of now − produced_ms, the
        output read with read_committed."""
        in_topic = self.topic("lat-in", partitions)
        out_topic = self.topic("lat-out", partitions)
        warm = int(rate * self.args.warmup_s)
        measured = int(rate * self.args.latency_s)
        path = self.app_file(SELECTS["latency"], in_topic, out_topic, source_keys, job_keys,
                             False, mode)
        result: dict = {}
        errors: list[str] = []
        timeout = self.args.latency_s + self.args.warmup_s + 60

        def monitor(proc, done) -> None:
            reader = subprocess.Popen(
                [self.tool, "latency", self.bootstrap, out_topic, "--skip", str(warm),
                 "--expect", str(measured), "--field", "produced_ms",
                 "--timeout", str(int(timeout))],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                assert reader.stdout is not None
                reader.stdout.readline()  # "ready"
                # Give the job its group join before the (discarded) warm-up records.
                if done.wait(self.args.join_s):
                    errors.append("ferris-sql exited before any input")
                    return
                producer = subprocess.run(
                    [self.tool, "produce", self.bootstrap, in_topic, str(warm + measured),
                     "--rate", str(rate)], capture_output=True, text=True, timeout=timeout)
                if producer.returncode != 0:
                    errors.append(f"producer: {producer.stderr.strip()[-1000:]}")
                else:
                    result["producer"] = json.loads(producer.stdout.strip().splitlines()[-1])
                out, err = reader.communicate(timeout=timeout)
                lines = out.strip().splitlines()
                if lines:
                    result["latency"] = json.loads(lines[-1])
                if reader.returncode != 0:
                    errors.append(f"latency reader: exit {reader.returncode}: {err.strip()[-1000:]}")
            except Exception as error:  # noqa: BLE001 - reported, then the job is stopped
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                if reader.poll() is None:
                    reader.kill()
                    reader.wait()
                if not done.is_set():
                    os.killpg(proc.pid, signal.SIGINT)  # GNU time ignores it; the engine commits

        m = self.measure([self.ferris, "run", "--no-progress", path], self.name("ferris-lat"),
                         timeout + 60, monitor)
        if errors:
            raise RunError(f"latency {label}: {'; '.join(errors)}\n{tail(m['stderr'])}")
        lat = result["latency"]
        return {"label": label, "rate": rate, "warmup_records": warm,
                "measured_records": measured, "p50_ms": lat["p50_ms"], "p90_ms": lat["p90_ms"],
                "p99_ms": lat["p99_ms"], "p999_ms": lat["p999_ms"], "max_ms": lat["max_ms"],
                "mean_ms": lat["mean_ms"], "duplicates": lat["duplicates"],
                "complete": lat["complete"], "producer": result.get("producer"),
                "job_cpu_s": m["cpu_s"], "job_wall_s": m["wall_s"],
                "job_peak_rss_mb": m["peak_rss_mb"], "source_keys": source_keys,
                "job_keys": job_keys, "partitions": partitions, "mode": mode}


    def recovery(self, groups: int, partitions: int = 1) -> dict:
        """Recovery of a transactional stateful job (DESIGN.md §3: SIGKILL → new output ≤ 5 s
        for ≤ 100 MB of state): one group per input record (GROUP BY trade_id), so the state
        grows with the input. The job consumes `groups` records, is killed with SIGKILL, one
        new record is produced at that moment and the job started again; the recovery time is
        when that record's output row is visible to a read_committed reader, less its produce
        time. The changelog topic's bytes on the broker's disk are the state size."""
        in_topic = self.topic("rec-in", partitions)
        out_topic = self.topic("rec-out", partitions)
        self.tool_run("produce", in_topic, str(groups))
        app = self.name("krec").replace("-", "_")
        text = (f"-- @app: {app}\n-- @job_mode: transactional\n\n"
                + SOURCE_DECL.format(topic=sql_string(in_topic), bootstrap=sql_string(self.bootstrap),
                                     source_extra="")
                + "CREATE TABLE out AS\nSELECT trade_id, COUNT(*) AS n, SUM(quantity) AS volume, "
                  "MAX(trade_time) AS produced_ms\nFROM trades GROUP BY trade_id\n"
                + f"WITH ('out.type' = 'kafka_sink', 'out.topic' = {sql_string(out_topic)}, "
                  f"'out.bootstrap.servers' = {sql_string(self.bootstrap)}, 'max.memory.mb' = '16384');\n")
        run_dir = os.path.join(self.work, app)
        os.makedirs(run_dir)
        path = os.path.join(run_dir, "app.sql")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

        def start(tag: str):
            err = open(os.path.join(run_dir, f"{tag}.err"), "w", encoding="utf-8")
            return subprocess.Popen([self.ferris, "run", "--no-progress", path], cwd=run_dir,
                                    stdout=subprocess.DEVNULL, stderr=err), err

        first, first_err = start("first")
        loaded_at = time.perf_counter()
        deadline = time.time() + self.args.timeout
        while self.tool_run("count", out_topic)["records"] < groups:
            if first.poll() is not None:
                raise RunError(f"recovery: the job ended: {tail(first_err.name)}")
            if time.time() > deadline:
                first.kill()
                raise RunError("recovery: the job did not catch up in time")
            time.sleep(0.5)
        load_s = time.perf_counter() - loaded_at
        time.sleep(1.0)  # the last transactions commit (commit.interval 100ms)
        changelog = f"ferris.{app}.out.changelog"
        state_bytes = 0
        for data in os.listdir(self.kafka_run):
            if not data.startswith("data"):
                continue
            for entry in os.listdir(os.path.join(self.kafka_run, data)):
                if entry.startswith(changelog + "-"):
                    folder = os.path.join(self.kafka_run, data, entry)
                    state_bytes += sum(os.path.getsize(os.path.join(folder, name))
                                       for name in os.listdir(folder) if name.endswith(".log"))
        reader = subprocess.Popen(
            [self.tool, "latency", self.bootstrap, out_topic, "--skip", str(groups), "--expect", "1",
             "--field", "produced_ms", "--timeout", str(int(self.args.timeout))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert reader.stdout is not None
        reader.stdout.readline()  # "ready"
        first.send_signal(signal.SIGKILL)
        first.wait()
        first_err.close()
        self.tool_run("produce", in_topic, "1", "--first", str(groups))
        second, second_err = start("second")
        try:
            out, err = reader.communicate(timeout=self.args.timeout)
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(timeout=120)
            second_err.close()
        lines = out.strip().splitlines()
        if reader.returncode != 0 or not lines:
            raise RunError(f"recovery: latency reader: exit {reader.returncode}: {err.strip()[-1000:]}\n"
                           f"{tail(second_err.name)}")
        recovered = json.loads(lines[-1])
        restored = ""
        with open(second_err.name, encoding="utf-8") as f:
            for line in f:
                if "state entries from changelog topic" in line:
                    restored = line.strip()
        return {"label": f"{groups:,} groups, {partitions} partition(s)", "groups": groups,
                "partitions": partitions, "state_mb": state_bytes / 1e6,
                "recovery_ms": recovered["max_ms"], "first_load_s": load_s, "restored": restored}


# ---------------------------------------------------------------------------- report

def fmt_int(value: float) -> str:
    return f"{value:,.0f}"


def print_throughput(rows: list[dict]) -> None:
    print(f"{'run':<44} {'records':>10} {'wall s':>7} {'rec/s':>10} {'CPU s':>6} "
          f"{'CPU µs/rec':>10} {'rec/CPU-s':>10} {'RSS MB':>7}")
    for r in rows:
        print(f"{r['label']:<44} {fmt_int(r['records']):>10} {r['wall_s']:>7.2f} "
              f"{fmt_int(r['records_per_s']):>10} {r['cpu_s']:>6.2f} "
              f"{r['cpu_us_per_record']:>10.2f} {fmt_int(r['records_per_cpu_s'] or 0):>10} "
              f"{r['peak_rss_mb']:>7.1f}")


def print_latency(rows: list[dict]) -> None:
    print(f"{'latency run':<52} {'rate/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'RSS MB':>7}")
    for r in rows:
        print(f"{r['label']:<52} {fmt_int(r['rate']):>8} {r['p50_ms']:>7.1f} {r['p90_ms']:>7.1f} "
              f"{r['p99_ms']:>7.1f} {r['max_ms']:>7.1f} {r['job_peak_rss_mb']:>7.1f}")


def loadavg() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# ---------------------------------------------------------------------------- main

def parse_args(argv: list[str]):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(REPO_DIR, "build", "release"),
                   help="release build tree (ferris-sql and bench/kafka_bench_tool)")
    p.add_argument("--records", type=int, default=1_000_000, help="input records per topic")
    p.add_argument("--partitions", default="1,4", help="input topics' partition counts")
    p.add_argument("--rate", type=int, default=50_000, help="records/s in the latency runs")
    p.add_argument("--latency-s", type=float, default=8.0, help="measured seconds of input")
    p.add_argument("--warmup-s", type=float, default=2.0, help="unmeasured seconds first")
    p.add_argument("--join-s", type=float, default=1.5,
                   help="wait after starting the job before producing")
    p.add_argument("--sweep", default="1,100,1000,10000", help="batch.size values")
    p.add_argument("--sweep-records", type=int, default=1_000_000,
                   help="records per sweep throughput run (batch.size ≥ 100)")
    p.add_argument("--sweep-small-records", type=int, default=100_000,
                   help="records for the batch.size 1 throughput run")
    p.add_argument("--source-keys", action="append", default=[],
                   help="also run with these source keys, e.g. "
                        "'kafka.queued.max.messages.kbytes=8192' (comma-separated; repeatable)")
    p.add_argument("--skip-default", action="store_true",
                   help="skip the runs with the engine's default client settings")
    p.add_argument("--skip-sweep", action="store_true")
    p.add_argument("--skip-strategies", action="store_true",
                   help="sweep batch.size only, without the adaptive and memory_based runs")
    p.add_argument("--skip-transactional", action="store_true",
                   help="skip the exactly-once (@job_mode: transactional) runs")
    p.add_argument("--skip-latency", action="store_true")
    p.add_argument("--recovery-groups", default="1000000",
                   help="state sizes (groups) of the recovery runs, comma-separated; empty: none")
    p.add_argument("--timeout", type=float, default=600, help="seconds per run")
    p.add_argument("--json-out", default=os.path.join(REPO_DIR, "build", "bench-kafka.json"))
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    partitions = [int(x) for x in args.partitions.split(",") if x]
    sweep = [int(x) for x in args.sweep.split(",") if x]
    report: dict = {"cpu": cpu_model(), "cpus": os.cpu_count(), "records": args.records,
                    "target_records_per_s": TARGET_RECORDS_PER_S, "load_before": loadavg(),
                    "throughput": [], "raw": [], "latency": [], "sweep": [], "transactional": [],
                    "recovery": []}
    started = time.perf_counter()
    try:
        log(f"starting a broker (run directory {bench.kafka_run})")
        bench.bootstrap = bench.kafka("start")
        log(f"broker at {bench.bootstrap}; load {loadavg()}")
        inputs = {}
        for p in partitions:
            topic = bench.topic(f"trades-{p}p", p)
            produced = bench.tool_run("produce", topic, str(args.records))
            inputs[p] = (topic, produced)
            log(f"produced {args.records:,} records into {topic} in {produced['seconds']:.2f} s "
                f"({produced['bytes'] / args.records:.1f} bytes each, "
                f"{produced['passing_filter']:,} pass the filter)")
        report["record_bytes"] = inputs[partitions[0]][1]["bytes"] / args.records
        report["producer"] = {p: v[1] for p, v in inputs.items()}

        # Warm-up: the broker's first group join creates __consumer_offsets; then the
        # fixed cost of a job (start-up, group join, end offsets, last commit) on an empty
        # topic, measured as a run of its own.
        warm = bench.topic("warm", 1)
        bench.tool_run("produce", warm, "1000")
        bench.raw(warm, 1, 1000, 1024, {}, "warm-up")
        empty = bench.topic("empty", 1)
        fixed = bench.throughput("passthrough", empty, 1, 1, 0, {}, {}, "empty topic")
        report["empty_topic_run"] = fixed
        log(f"a job on an empty topic: {fixed['wall_s']:.2f} s wall, {fixed['cpu_s']:.3f} CPU s, "
            f"{fixed['peak_rss_mb']:.1f} MB")
        fixed_txn = None
        if not args.skip_transactional:
            # A transactional job's fixed cost adds init_transactions (the coordinator found,
            # the producer id fenced in) and its last commit.
            fixed_txn = bench.throughput("passthrough", empty, 1, 1, 0, {}, {}, "empty topic, transactional",
                                         mode="transactional")
            report["empty_topic_run_transactional"] = fixed_txn
            log(f"a transactional job on an empty topic: {fixed_txn['wall_s']:.2f} s wall, "
                f"{fixed_txn['cpu_s']:.3f} CPU s, {fixed_txn['peak_rss_mb']:.1f} MB")

        for p in partitions:
            topic, produced = inputs[p]
            configs = [] if args.skip_default else [("default", {})]
            for keys in args.source_keys:
                configs.append((keys, dict(kv.split("=", 1) for kv in keys.split(",") if kv)))
            for config, source_keys in configs:
                consumer_keys = {k.removeprefix("kafka."): v for k, v in source_keys.items()}
                raw = bench.raw(topic, p, args.records, 1024, consumer_keys,
                                f"raw librdkafka, {p} partition(s), {config}")
                raw["config"] = config
                report["raw"].append(raw)
                log(f"{raw['label']}: {raw['records_per_s']:,.0f} records/s, "
                    f"{raw['fetch_wakeups']} fetcher wake-ups")
                for app in ("passthrough", "filter"):
                    expected = args.records if app == "passthrough" else produced["passing_filter"]
                    label = f"{app}, {p} partition(s), {config}"
                    row = bench.throughput(app, topic, p, args.records, expected, source_keys,
                                           {}, label)
                    row["config"] = config
                    row["ratio_to_raw"] = row["records_per_s"] / raw["records_per_s"]
                    row["cpu_ratio_to_raw"] = raw["cpu_s"] / row["cpu_s"]
                    steady = row["wall_s"] - fixed["wall_s"]
                    row["records_per_s_without_fixed_cost"] = (
                        args.records / steady if steady > 0 else None)
                    report["throughput"].append(row)
                    log(f"{label}: {row['records_per_s']:,.0f} records/s, "
                        f"{row['records_per_cpu_s']:,.0f} per CPU-second")

        if not args.skip_transactional:
            # Exactly-once against at-least-once on the same job and broker (DESIGN.md §3:
            # ≥ 0.8 of the throughput; p99 to read_committed visibility ≤ commit.interval + 10 ms).
            simple_rows = {(r["app"], r["partitions"]): r for r in report["throughput"]
                           if r.get("config") == "default"}
            for p in partitions:
                topic, produced = inputs[p]
                for app in ("passthrough", "filter"):
                    expected = args.records if app == "passthrough" else produced["passing_filter"]
                    label = f"{app}, {p} partition(s), transactional"
                    row = bench.throughput(app, topic, p, args.records, expected, {}, {}, label,
                                           mode="transactional")
                    row["config"] = "transactional"
                    simple = simple_rows.get((app, p))
                    if simple is not None:
                        row["ratio_to_simple"] = row["records_per_s"] / simple["records_per_s"]
                        # Without each mode's fixed cost (start-up, group join, last commit):
                        # the ratio of the rates while records flow.
                        steady = row["wall_s"] - fixed_txn["wall_s"]
                        steady_simple = simple["wall_s"] - fixed["wall_s"]
                        if steady > 0 and steady_simple > 0:
                            row["steady_ratio_to_simple"] = steady_simple / steady
                    report["transactional"].append(row)
                    log(f"{label}: {row['records_per_s']:,.0f} records/s"
                        + (f", {row['ratio_to_simple']:.2f}× at-least-once"
                           if "ratio_to_simple" in row else ""))
            for groups in [int(x) for x in args.recovery_groups.split(",") if x]:
                row = bench.recovery(groups)
                report["recovery"].append(row)
                log(f"recovery, {row['label']}: {row['state_mb']:.1f} MB of changelog, SIGKILL → new "
                    f"output in {row['recovery_ms']:.0f} ms ({row['restored']})")
            if not args.skip_latency:
                row = bench.latency("passthrough, 1 partition, transactional (commit.interval 100ms)",
                                    args.rate, {}, {}, mode="transactional")
                report["latency"].append(row)
                log(f"latency {row['label']}: p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms")

        if not args.skip_latency:
            for config, source_keys in (("default", {}),):
                row = bench.latency(f"passthrough, 1 partition, {config}", args.rate,
                                    source_keys, {})
                report["latency"].append(row)
                log(f"latency {row['label']}: p50 {row['p50_ms']:.1f} ms, "
                    f"p99 {row['p99_ms']:.1f} ms")
            variants = [
                ("batch.size 1024, batch.timeout 10ms", {"batch.timeout": "10ms"}),
                ("batch.size 1024, out.linger.ms 0", {"out.linger.ms": "0"}),
                ("batch.size 100, batch.timeout 10ms, out.linger.ms 0",
                 {"batch.size": "100", "batch.timeout": "10ms", "out.linger.ms": "0"}),
            ]
            for label, job_keys in variants:
                row = bench.latency(label, args.rate, TUNED_SOURCE, job_keys)
                report["latency"].append(row)
                log(f"latency {row['label']}: p50 {row['p50_ms']:.1f} ms, "
                    f"p99 {row['p99_ms']:.1f} ms")

        if not args.skip_sweep:
            small = None
            # batch.size values (fixed_size), then the strategies that size batches themselves.
            runs = [(f"batch.size {size}", {"batch.size": str(size)}, size) for size in sweep]
            if not args.skip_strategies:
                runs += [
                    ("adaptive, target 20ms", {"batch.strategy": "adaptive"}, None),
                    ("adaptive, target 2ms",
                     {"batch.strategy": "adaptive", "batch.target.latency": "2ms"}, None),
                    ("memory_based, 4 MiB", {"batch.strategy": "memory_based"}, None),
                    ("memory_based, 64 KiB",
                     {"batch.strategy": "memory_based", "batch.max.bytes": "65536"}, None),
                ]
            for label, job_keys, size in runs:
                records = args.sweep_records if size is None or size >= 100 else args.sweep_small_records
                if records == args.records and 1 in inputs:
                    topic, produced = inputs[1]
                else:
                    if small is None or small[1] != records:
                        t = bench.topic("trades-sweep", 1)
                        small = (t, records)
                        bench.tool_run("produce", t, str(records))
                    topic = small[0]
                row = bench.throughput("passthrough", topic, 1, records, records, TUNED_SOURCE,
                                       job_keys, label)
                entry = {"batch_size": size, "label": label, "throughput": row}
                # Latency at the fixed rate, or at half the job's throughput when it is lower.
                rate = min(args.rate, int(row["records_per_s"] / 2))
                if not args.skip_latency:
                    entry["latency"] = bench.latency(label, rate, TUNED_SOURCE, job_keys)
                report["sweep"].append(entry)
                lat = entry.get("latency")
                log(f"{label}: {row['records_per_s']:,.0f} records/s"
                    + (f", p50 {lat['p50_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms at {rate:,}/s"
                       if lat else ""))
    except (RunError, subprocess.TimeoutExpired) as error:
        print(f"kafka-bench: FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        try:
            bench.kafka("stop")
        except RunError as error:
            print(f"kafka-bench: {error}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(bench.work, ignore_errors=True)
        else:
            log(f"work directory kept: {bench.work}")

    report["load_after"] = loadavg()
    report["seconds"] = time.perf_counter() - started
    print(f"\n== Kafka → SQL → Kafka on {report['cpu']} ({report['cpus']} CPUs), "
          f"{args.records:,} records of {report['record_bytes']:.0f} bytes; "
          f"load {report['load_before']} before, {report['load_after']} after")
    print_throughput(report["raw"] + report["throughput"])
    for row in report["throughput"]:
        print(f"  {row['label']}: {row['ratio_to_raw']:.2f}× raw records/s, "
              f"target {TARGET_RECORDS_PER_S:,}/s "
              f"{'met' if row['records_per_s'] >= TARGET_RECORDS_PER_S else 'missed'}")
    if report["transactional"]:
        print("\nexactly-once (@job_mode: transactional, commit.interval 100ms):")
        print_throughput(report["transactional"])
        for row in report["transactional"]:
            if "ratio_to_simple" in row:
                steady = row.get("steady_ratio_to_simple")
                print(f"  {row['label']}: {row['ratio_to_simple']:.2f}× at-least-once records/s, "
                      f"target 0.80 {'met' if row['ratio_to_simple'] >= 0.8 else 'missed'}"
                      + (f"; without each mode's fixed cost {steady:.2f}×" if steady else ""))
    if report["recovery"]:
        print("\nrecovery of a transactional stateful job (SIGKILL → new output, read_committed):")
        for row in report["recovery"]:
            print(f"  {row['label']}: {row['state_mb']:.1f} MB of changelog, {row['recovery_ms']:,.0f} ms"
                  + (f", target 5,000 ms {'met' if row['recovery_ms'] <= 5000 else 'missed'}"
                     if row["state_mb"] <= 100 else ""))
    if report["latency"]:
        print()
        print_latency(report["latency"])
    if report["sweep"]:
        print("\nbatch sweep (passthrough, 1 partition):")
        print_throughput([e["throughput"] for e in report["sweep"]])
        lats = [e["latency"] for e in report["sweep"] if "latency" in e]
        if lats:
            print_latency(lats)
    os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
    with open(args.json_out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {args.json_out} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
