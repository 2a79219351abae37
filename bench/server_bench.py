#!/usr/bin/env python3
"""Multi-job server benchmark: ``ferris-sql-multi serve`` with Kafka jobs deployed over REST.

Starts its own single-node broker with ``scripts/kafka.sh`` (``FERRIS_KAFKA_RUN``, default
/tmp/fk-bench, stopped at the end) and creates and fills topics with
``examples/kafka-topic-tool``. Each phase runs a fresh server
(``ferris-sql-multi serve --listen 127.0.0.1:0``, its port read from the "listening on" line
of its log), in a work directory of its own, stopped with SIGTERM at the end of the phase.

Every app is one Kafka source and one job writing a JSONL file (``file_sink``)::

    -- @app: bench_idle_1
    CREATE STREAM s1 (id BIGINT, sym STRING, price DOUBLE) WITH ('s1.type' = 'kafka_source',
      's1.topic' = '…', 's1.bootstrap.servers' = '…' [, 's1.bounded' = 'latest']);
    CREATE STREAM j1 AS SELECT id, sym, price * 2 AS p2 FROM s1 WHERE price > 10
      WITH ('j1.type' = 'file_sink', 'j1.path' = '…/j1.jsonl');

Phases:

* memory: RSS (VmRSS of /proc/PID/status) of the server with no job, then after each idle
  job (unbounded source on an empty topic of its own) is deployed, is ``running`` and
  ``--settle-s`` more seconds have passed, up to ``--idle-jobs``. Reported: the first job's
  increment and the mean increment of each further job; also the wall time of each
  ``POST /apps`` (p50, max), and, ``--later-s`` after the last job, RSS again and the CPU
  share the idle server used in between.
* throughput, one job: a bounded job (``'bounded' = 'latest'``) reads ``--records`` JSON
  records ``{"id":i,"sym":"S<i%50>","price":<float>}`` from a topic of 2 partitions to
  ``finished``. records/s = records ÷ wall time from just before ``POST /apps`` to the poll
  (every 50 ms, ``GET /jobs/{name}``) that sees ``finished``; records per CPU-second =
  records ÷ (utime + stime of the server process, /proc/PID/stat, over the same span; every
  thread, librdkafka's included).
* throughput, ``--jobs`` jobs at once: as many topics of ``--records-per-job`` records each,
  one app per job posted back to back; total records ÷ wall time until every job is
  ``finished``, and per server CPU-second. Reported: the ratio to the one job.

Every finished job is checked: records_in = the topic's records, records_out = the records
with price > 10 (known from the generated input), and the same number of lines in its file;
every server must exit 0 on SIGTERM. Lines of the servers' logs at warn or error are listed.
The broker shares the machine: its CPU over each throughput span is reported too. With
``--repeat N`` (default 3) each throughput phase runs N times (a fresh server and fresh
consumer groups each time): records/s is taken from the run with the least wall time,
records per CPU-second from the one with the least CPU, medians of all runs beside them.

Usage::

    python3 bench/server_bench.py --build $PWD/build/release
    python3 bench/server_bench.py --build $PWD/build/release --records 50000 --jobs 4 --idle-jobs 3

Prints a table and one JSON line (``--json-out`` writes it to a file as well). Exit status 0
on success, 1 when a run fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # importing e2e_bench leaves no __pycache__ behind
from e2e_bench import REPO_DIR, cpu_model  # noqa: E402

KAFKA_SH = os.path.join(REPO_DIR, "scripts", "kafka.sh")
CLK_TCK = os.sysconf("SC_CLK_TCK")
POLL_S = 0.05
SYMBOLS = 50
PRICE_FILTER = 10.0
TARGET_FIRST_JOB_MB = 30.0
TARGET_FURTHER_JOB_MB = 10.0


class BenchError(Exception):
    pass


# --- /proc --------------------------------------------------------------------------------

def status_mb(pid: int, field: str) -> float:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM) in MB (10^6 bytes)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    raise BenchError(f"no {field} for pid {pid}")


def rss_mb(pid: int) -> float:
    """VmRSS of pid in MB."""
    return status_mb(pid, "VmRSS")


def hwm_mb(pid: int) -> float:
    """VmHWM (peak RSS) of pid in MB."""
    return status_mb(pid, "VmHWM")


def cpu_s(pid: int) -> float:
    """utime + stime of pid (every thread) in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat


def threads(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


# --- broker and topics --------------------------------------------------------------------

class Broker:
    def __init__(self, run_dir: str, topic_tool: str):
        self.env = dict(os.environ, FERRIS_KAFKA_RUN=run_dir)
        self.run_dir = run_dir
        self.topic_tool = topic_tool
        self.bootstrap = ""

    def start(self) -> None:
        out = subprocess.run([KAFKA_SH, "start"], env=self.env, check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            raise BenchError(f"kafka.sh start failed: {out.stderr.strip()}")
        self.bootstrap = out.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        subprocess.run([KAFKA_SH, "stop"], env=self.env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pid(self) -> int | None:
        try:
            with open(os.path.join(self.run_dir, "pid"), encoding="ascii") as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def cpu_s(self) -> float:
        pid = self.pid()
        try:
            return cpu_s(pid) if pid else 0.0
        except OSError:
            return 0.0

    def tool(self, *args: str) -> None:
        out = subprocess.run([self.topic_tool, *args], check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            raise BenchError(f"kafka-topic-tool {args[0]} {args[2]}: {out.stderr.strip()}")

    def create(self, topic: str, partitions: int) -> None:
        self.tool("create", self.bootstrap, topic, str(partitions))

    def produce(self, topic: str, path: str) -> None:
        self.tool("produce", self.bootstrap, topic, path)


def write_records(path: str, count: int, seed: int) -> int:
    """count JSON records into path, one a line; returns how many have price > PRICE_FILTER."""
    rng = random.Random(seed)
    passing = 0
    with open(path, "w", encoding="ascii") as f:
        for i in range(count):
            price = round(rng.uniform(1.0, 500.0), 2)
            passing += price > PRICE_FILTER
            f.write(f'{{"id":{i},"sym":"S{i % SYMBOLS}","price":{price}}}\n')
    return passing


def app_sql(app: str, n: int, topic: str, bootstrap: str, sink: str, bounded: bool) -> str:
    bound = f", 's{n}.bounded' = 'latest'" if bounded else ""
    return (f"-- @app: {app}\n"
            f"CREATE STREAM s{n} (id BIGINT, sym STRING, price DOUBLE) WITH ("
            f"'s{n}.type' = 'kafka_source', 's{n}.topic' = '{topic}', "
            f"'s{n}.bootstrap.servers' = '{bootstrap}'{bound});\n"
            f"CREATE STREAM j{n} AS SELECT id, sym, price * 2 AS p2 FROM s{n} WHERE price > "
            f"{PRICE_FILTER:g} WITH ('j{n}.type' = 'file_sink', 'j{n}.path' = '{sink}');\n")


# --- the server ---------------------------------------------------------------------------

class Server:
    def __init__(self, binary: str, work: str, name: str):
        self.binary = binary
        self.work = os.path.join(work, name)
        os.makedirs(self.work)
        self.log_path = os.path.join(self.work, "server.log")
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self, timeout_s: float = 20) -> None:
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen([self.binary, "serve", "--listen", "127.0.0.1:0"],
                                         cwd=self.work, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
            if found:
                self.port = int(found.group(1))
                return
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited with {self.proc.returncode}: "
                                 f"{self.log_tail()}")
            time.sleep(POLL_S)
        raise BenchError(f"the server did not say where it listens within {timeout_s:.0f} s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Content-Type": "text/plain"} if body is not None else {}
            conn.request(method, path, body=body.encode() if body is not None else None,
                         headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as e:
            raise BenchError(f"{method} {path}: {e!r}") from e
        finally:
            conn.close()
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {"raw": data.decode(errors="replace")}
        return response.status, parsed

    def deploy(self, sql: str) -> float:
        """POST /apps; returns its wall time in seconds."""
        started = time.perf_counter()
        status, body = self.request("POST", "/apps", sql)
        took = time.perf_counter() - started
        if status != 201:
            raise BenchError(f"POST /apps answered {status}: {json.dumps(body)[:500]}")
        return took

    def job(self, name: str) -> dict:
        status, body = self.request("GET", f"/jobs/{name}")
        if status != 200:
            raise BenchError(f"GET /jobs/{name} answered {status}: {json.dumps(body)[:300]}")
        return body

    def wait_state(self, names: list[str], wanted: str, timeout_s: float,
                   first_record: dict[str, float] | None = None) -> dict[str, dict]:
        """Polls every POLL_S until every job is in state wanted; returns their last status.
        first_record, if given, gets the time (perf_counter) of the first poll that saw each
        job with records_in > 0."""
        pending = set(names)
        last: dict[str, dict] = {}
        deadline = time.monotonic() + timeout_s
        while pending:
            for name in sorted(pending):
                body = self.job(name)
                last[name] = body
                if first_record is not None and name not in first_record \
                        and body.get("records_in", 0) > 0:
                    first_record[name] = time.perf_counter()
                if body.get("state") == wanted:
                    pending.discard(name)
                elif body.get("state") in ("failed", "stopped", "finished"):
                    raise BenchError(f"job {name} is {body.get('state')} (waiting for {wanted}): "
                                     f"{body.get('reason', '')}")
            if not pending:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"jobs not {wanted} after {timeout_s:.0f} s: {sorted(pending)}")
            if self.proc is not None and self.proc.poll() is not None:
                raise BenchError(f"the server exited with {self.proc.returncode}")
            time.sleep(POLL_S)
        return last

    def stop(self, timeout_s: float = 60) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise BenchError(f"the server did not stop within {timeout_s:.0f} s of SIGTERM; killed")

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def log_problems(self) -> list[str]:
        """Lines of the log at warn level or above (text or JSON format)."""
        problems = []
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if re.search(r"\b(WARN|ERROR|warn|error|FATAL|fatal)\b", line):
                        problems.append(line.rstrip())
        except OSError:
            pass
        return problems


def count_lines(path: str) -> int:
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return -1


# --- phases -------------------------------------------------------------------------------

def memory_phase(args, broker: Broker, work: str, servers: list) -> dict:
    server = Server(args.multi, work, "memory")
    servers.append(server)
    server.start()
    time.sleep(args.settle_s)
    baseline = rss_mb(server.pid)
    print(f"  no jobs: RSS {baseline:.1f} MB, {threads(server.pid)} threads", flush=True)
    rss = [baseline]
    deploy_s = []
    for i in range(1, args.idle_jobs + 1):
        topic = f"bench_idle_{i}"
        broker.create(topic, 2)
        sql = app_sql(f"bench_idle_{i}", i, topic, broker.bootstrap,
                      os.path.join(server.work, f"idle_{i}.jsonl"), bounded=False)
        deploy_s.append(server.deploy(sql))
        server.wait_state([f"j{i}"], "running", args.timeout_s)
        time.sleep(args.settle_s)
        rss.append(rss_mb(server.pid))
        print(f"  {i} idle job{'s' if i > 1 else ''}: RSS {rss[-1]:.1f} MB "
              f"(+{rss[-1] - rss[-2]:.1f}), {threads(server.pid)} threads, "
              f"POST /apps {deploy_s[-1] * 1000:.1f} ms", flush=True)
    idle_cpu = cpu_s(server.pid)
    time.sleep(args.later_s)
    idle_cpu_rate = (cpu_s(server.pid) - idle_cpu) / args.later_s
    rss_later = rss_mb(server.pid)
    n_threads = threads(server.pid)
    code = server.stop()
    if code != 0:
        raise BenchError(f"memory phase: the server exited with {code} on SIGTERM")
    increments = [b - a for a, b in zip(rss, rss[1:])]
    further = increments[1:]
    return {
        "rss_no_jobs_mb": round(baseline, 2),
        "rss_mb": [round(x, 2) for x in rss],
        "first_job_mb": round(increments[0], 2),
        "further_job_mean_mb": round(statistics.mean(further), 2) if further else None,
        "further_job_max_mb": round(max(further), 2) if further else None,
        "rss_later_mb": round(rss_later, 2),
        "later_s": args.later_s,
        "threads_with_all_idle_jobs": n_threads,
        "idle_cpu_share": round(idle_cpu_rate, 4),
        "deploy_ms": [round(x * 1000, 2) for x in deploy_s],
        "deploy_p50_ms": round(statistics.median(deploy_s) * 1000, 2),
        "deploy_max_ms": round(max(deploy_s) * 1000, 2),
        "exit_code": code,
        "log_problems": server.log_problems(),
    }


def best_throughput(args, broker: Broker, work: str, servers: list, label: str,
                    topics: list[tuple[str, int, int]]) -> dict:
    """--repeat runs on fresh servers (and consumer groups): records/s from the run with the least
    wall time, records per CPU-second from the one with the least CPU; medians beside them."""
    runs = []
    for r in range(1, args.repeat + 1):
        runs.append(throughput_phase(args, broker, work, servers, f"{label}{r}", topics))
        print(f"  run {r}: {runs[-1]['wall_s']:.2f} s, {runs[-1]['records_per_s']:,} records/s, "
              f"{runs[-1]['records_per_cpu_s']:,} per CPU-second", flush=True)
    best = dict(min(runs, key=lambda x: x["wall_s"]))
    least_cpu = min(runs, key=lambda x: x["cpu_s"])
    best["cpu_s"] = least_cpu["cpu_s"]
    best["records_per_cpu_s"] = least_cpu["records_per_cpu_s"]
    best["log_problems"] = [line for x in runs for line in x["log_problems"]]
    best["runs_wall_s"] = [x["wall_s"] for x in runs]
    best["runs_cpu_s"] = [x["cpu_s"] for x in runs]
    records = best["records"]
    best["median_records_per_s"] = round(records / statistics.median(best["runs_wall_s"]))
    best["median_records_per_cpu_s"] = round(records / statistics.median(best["runs_cpu_s"]))
    return best


def throughput_phase(args, broker: Broker, work: str, servers: list, label: str,
                     topics: list[tuple[str, int, int]]) -> dict:
    """topics: (topic, records, expected rows out). One job per topic, one app per job."""
    server = Server(args.multi, work, label)
    servers.append(server)
    server.start()
    time.sleep(1.0)
    sqls = []
    for i, (topic, _, _) in enumerate(topics, start=1):
        sqls.append(app_sql(f"bench_{label}_{i}", i, topic, broker.bootstrap,
                            os.path.join(server.work, f"j{i}.jsonl"), bounded=True))
    names = [f"j{i}" for i in range(1, len(topics) + 1)]
    cpu0, broker0, t0 = cpu_s(server.pid), broker.cpu_s(), time.perf_counter()
    deploy_s = [server.deploy(sql) for sql in sqls]
    first_record: dict[str, float] = {}
    last = server.wait_state(names, "finished", args.timeout_s, first_record)
    t1 = time.perf_counter()
    wall = t1 - t0
    cpu = cpu_s(server.pid) - cpu0
    broker_cpu = broker.cpu_s() - broker0
    peak = hwm_mb(server.pid)
    total = sum(records for _, records, _ in topics)
    errors = []
    for name, (topic, records, expected_out) in zip(names, topics):
        body = last[name]
        lines = count_lines(os.path.join(server.work, f"{name}.jsonl"))
        if body.get("records_in") != records or body.get("records_out") != expected_out \
                or lines != expected_out:
            errors.append(f"{name} ({topic}): records_in {body.get('records_in')} (expected "
                          f"{records}), records_out {body.get('records_out')}, file lines "
                          f"{lines} (expected {expected_out})")
    job_cpu = sum(float(last[name].get("cpu_seconds", 0)) for name in names)
    code = server.stop()
    if code != 0:
        errors.append(f"the server exited with {code} on SIGTERM")
    if errors:
        raise BenchError(f"{label}: " + "; ".join(errors))
    return {
        "jobs": len(topics),
        "records": total,
        "wall_s": round(wall, 3),
        "records_per_s": round(total / wall),
        "cpu_s": round(cpu, 3),
        "records_per_cpu_s": round(total / cpu) if cpu > 0 else None,
        "job_driver_cpu_s": round(job_cpu, 3),
        "broker_cpu_s": round(broker_cpu, 3),
        "peak_rss_mb": round(peak, 2),
        "deploy_total_ms": round(sum(deploy_s) * 1000, 2),
        "deploy_p50_ms": round(statistics.median(deploy_s) * 1000, 2),
        "deploy_max_ms": round(max(deploy_s) * 1000, 2),
        # From the first poll that saw a record read to the poll that saw the last job finished
        # (start-up and group join left out; only meaningful for one job, whose polls start
        # right after its deploy).
        "first_record_after_s": round(min(first_record.values()) - t0, 3) if first_record else None,
        "records_per_s_after_first_record":
            round(total / (t1 - min(first_record.values()))) if first_record else None,
        "exit_code": code,
        "log_problems": server.log_problems(),
    }


# --- main ---------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", required=True, help="release build directory (absolute)")
    parser.add_argument("--records", type=int, default=200_000, help="records for the one job")
    parser.add_argument("--jobs", type=int, default=20, help="jobs running at once")
    parser.add_argument("--records-per-job", type=int, default=50_000,
                        help="records of each topic when --jobs run at once")
    parser.add_argument("--idle-jobs", type=int, default=10, help="idle jobs for the RSS phase")
    parser.add_argument("--settle-s", type=float, default=2.0,
                        help="seconds after a job is running before RSS is read")
    parser.add_argument("--later-s", type=float, default=10.0,
                        help="seconds with every idle job before RSS and idle CPU are read again")
    parser.add_argument("--timeout-s", type=float, default=300.0, help="per wait")
    parser.add_argument("--kafka-run", default="/tmp/fk-bench",
                        help="FERRIS_KAFKA_RUN for the broker")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each throughput phase; the fastest is reported")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep-work", action="store_true", help="keep the work directory")
    parser.add_argument("--json-out", help="also write the JSON result here")
    args = parser.parse_args(argv)
    args.build = os.path.abspath(args.build)
    args.multi = os.path.join(args.build, "src", "apps", "ferris-sql-multi")
    args.topic_tool = os.path.join(args.build, "examples", "kafka-topic-tool")
    for path in (args.multi, args.topic_tool):
        if not os.access(path, os.X_OK):
            parser.error(f"{path} is not built (cmake --build {args.build} --target "
                         "ferris-sql-multi kafka-topic-tool)")
    if min(args.records, args.jobs, args.records_per_job, args.idle_jobs, args.repeat) < 1:
        parser.error("--records, --jobs, --records-per-job, --idle-jobs and --repeat must be ≥ 1")
    return args


def fmt_int(x) -> str:
    return f"{x:,}" if isinstance(x, int) else str(x)


def print_summary(result: dict) -> None:
    mem, one, many = result["memory"], result["one_job"], result["many_jobs"]
    print()
    print(f"CPU: {result['cpu']} ({result['logical_cpus']} logical CPUs); broker on the same "
          f"machine; load average {result['load_average_before']:.2f} before, "
          f"{result['load_average_after']:.2f} after")
    print()
    print("| idle Kafka jobs | RSS MB | increment MB |")
    print("|---:|---:|---:|")
    for i, rss in enumerate(mem["rss_mb"]):
        inc = "" if i == 0 else f"{rss - mem['rss_mb'][i - 1]:+.1f}"
        print(f"| {i} | {rss:.1f} | {inc} |")
    first_ok = "met" if mem["first_job_mb"] <= TARGET_FIRST_JOB_MB else "MISSED"
    further = mem["further_job_mean_mb"]
    further_ok = "met" if further is None or further <= TARGET_FURTHER_JOB_MB else "MISSED"
    print(f"first idle job: +{mem['first_job_mb']:.1f} MB (target ≤ {TARGET_FIRST_JOB_MB:.0f}: "
          f"{first_ok}); each further job: mean +{further} MB, max +{mem['further_job_max_mb']} MB "
          f"(target ≤ {TARGET_FURTHER_JOB_MB:.0f}: {further_ok})")
    print(f"POST /apps (idle jobs): p50 {mem['deploy_p50_ms']:.1f} ms, "
          f"max {mem['deploy_max_ms']:.1f} ms")
    print(f"{len(mem['rss_mb']) - 1} idle jobs: {mem['threads_with_all_idle_jobs']} threads, "
          f"{mem['idle_cpu_share'] * 100:.1f} % of a CPU and RSS {mem['rss_later_mb']:.1f} MB "
          f"over the next {mem['later_s']:g} s")
    print()
    print("(records/s: the run with the least wall time; CPU: the run with the least CPU)")
    print("| run | jobs | records | wall s | records/s | server CPU s | records per CPU-second | "
          "driver-thread CPU s | broker CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in (("one job", one), (f"{many['jobs']} jobs at once", many)):
        print(f"| {label} | {r['jobs']} | {fmt_int(r['records'])} | {r['wall_s']:.2f} | "
              f"{fmt_int(r['records_per_s'])} | {r['cpu_s']:.2f} | "
              f"{fmt_int(r['records_per_cpu_s'])} | "
              f"{r['job_driver_cpu_s']:.2f} | {r['broker_cpu_s']:.2f} | {r['peak_rss_mb']:.1f} |")
    if one["first_record_after_s"] is not None:
        print(f"one job: first record seen {one['first_record_after_s']:.2f} s after its POST; "
              f"{fmt_int(one['records_per_s_after_first_record'])} records/s from there to "
              "finished")
    print(f"POST /apps while {many['jobs']} jobs start and run: "
          f"p50 {many['deploy_p50_ms']:.1f} ms, "
          f"max {many['deploy_max_ms']:.1f} ms, all {many['deploy_total_ms'] / 1000:.2f} s")
    print(f"{many['jobs']} jobs ÷ one job: records/s {result['ratio_records_per_s']:.2f}, "
          f"records per CPU-second {result['ratio_records_per_cpu_s']:.2f}")
    print(f"medians of {len(one['runs_wall_s'])} runs: one job "
          f"{fmt_int(one['median_records_per_s'])} records/s, "
          f"{fmt_int(one['median_records_per_cpu_s'])} per CPU-second; {many['jobs']} jobs "
          f"{fmt_int(many['median_records_per_s'])} records/s, "
          f"{fmt_int(many['median_records_per_cpu_s'])} per CPU-second")
    problems = sum(len(result[k]["log_problems"]) for k in ("memory", "one_job", "many_jobs"))
    print(f"server log lines at warn or error: {problems}")
    for k in ("memory", "one_job", "many_jobs"):
        for line in result[k]["log_problems"][:5]:
            print(f"  {k}: {line}")


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    # SIGTERM as Ctrl-C: the finally below still stops the server and the broker.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    work = tempfile.mkdtemp(prefix="ferris-server-bench-")
    broker = Broker(args.kafka_run, args.topic_tool)
    servers: list[Server] = []
    failed = False
    try:
        load_before = os.getloadavg()
        print(f"== broker ({args.kafka_run}); load average {load_before[0]:.2f}", flush=True)
        broker.start()
        print(f"  {broker.bootstrap}", flush=True)

        print(f"== input: 1 topic of {args.records:,} records, {args.jobs} of "
              f"{args.records_per_job:,}", flush=True)
        one_path = os.path.join(work, "one.jsonl")
        one_out = write_records(one_path, args.records, args.seed)
        broker.create("bench_one", 2)
        broker.produce("bench_one", one_path)
        many_path = os.path.join(work, "many.jsonl")
        many_out = write_records(many_path, args.records_per_job, args.seed + 1)
        many_topics = []
        for i in range(1, args.jobs + 1):
            topic = f"bench_many_{i}"
            broker.create(topic, 2)
            broker.produce(topic, many_path)
            many_topics.append((topic, args.records_per_job, many_out))

        print(f"== memory: up to {args.idle_jobs} idle Kafka jobs", flush=True)
        memory = memory_phase(args, broker, work, servers)

        print(f"== throughput: one job, {args.records:,} records", flush=True)
        one = best_throughput(args, broker, work, servers, "one",
                               [("bench_one", args.records, one_out)])

        print(f"== throughput: {args.jobs} jobs at once, {args.records_per_job:,} records each",
              flush=True)
        many = best_throughput(args, broker, work, servers, "many", many_topics)

        result = {
            "benchmark": "server",
            "cpu": cpu_model(),
            "logical_cpus": os.cpu_count(),
            "load_average_before": round(load_before[0], 2),
            "load_average_after": round(os.getloadavg()[0], 2),
            "memory": memory,
            "one_job": one,
            "many_jobs": many,
            "ratio_records_per_s": round(many["records_per_s"] / one["records_per_s"], 3),
            "ratio_records_per_cpu_s":
                round(many["records_per_cpu_s"] / one["records_per_cpu_s"], 3),
        }
        print_summary(result)
        line = json.dumps(result, separators=(",", ":"))
        print(line)
        if args.json_out:
            with open(args.json_out, "w", encoding="utf-8") as f:
                f.write(line + "\n")
    except (BenchError, OSError, subprocess.SubprocessError) as e:
        failed = True
        print(f"error: {e}", file=sys.stderr)
        for server in servers:
            tail = server.log_tail()
            if tail:
                print(f"--- {server.log_path} (last lines)\n{tail}", file=sys.stderr)
    finally:
        for server in servers:
            try:
                server.stop()
            except BenchError as e:
                print(f"error: {e}", file=sys.stderr)
                failed = True
        broker.stop()
        if failed or args.keep_work:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
