#!/usr/bin/env python3
"""End-to-end tests of ferris-sql-multi and ferris-cli: real processes, signals, exit codes.

Usage: test_ferris_sql_multi.py FERRIS_SQL_MULTI FERRIS_CLI KAFKA_TOPIC_TOOL   (run by CTest)
The Kafka test needs the broker of scripts/run-tests.sh (FERRIS_KAFKA_BOOTSTRAP); without it,
it fails.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from pathlib import Path

MULTI = CLI = TOPIC_TOOL = None


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


class Server:
    """ferris-sql-multi serve on a free loopback port; its log collected from stderr."""

    def __init__(self, cwd, *args):
        self.log_path = Path(cwd) / f"server-{uuid.uuid4().hex[:6]}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([MULTI, "serve", "--listen", "127.0.0.1:0", *args], cwd=cwd,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.url = None

        def listening():
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", self.log_path.read_text())
            if match:
                self.url = match.group(1)
            if self.process.poll() is not None:
                raise AssertionError("the server exited: " + self.log_path.read_text())
            return self.url is not None

        wait_for(listening, 60, "the server to listen")

    def cli(self, *args, token=None):
        command = [CLI, "--server", self.url, *args]
        if token is not None:
            command += ["--token", token]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def ready(self, token=None):
        result = self.cli("jobs", "--json", token=token)
        return result.returncode == 0

    def terminate(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=120)
        self.log.close()
        return code, self.log_path.read_text()


def job_state(server, job, token=None):
    result = server.cli("status", job, "--json", token=token)
    return json.loads(result.stdout)["state"] if result.returncode == 0 else None


class CliTest(unittest.TestCase):
    def test_deploy_status_errors_and_sigterm(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "in.jsonl").write_text("".join(f'{{"id":{i},"qty":{i % 5}}}\n' for i in range(1, 201)))
            (tmp / "app.sql").write_text(
                "-- @app: cli_demo\n"
                "CREATE STREAM src (id BIGINT, qty BIGINT) WITH ('src.type' = 'file_source', 'src.path' = 'in.jsonl');\n"
                "CREATE STREAM big AS SELECT id FROM src WHERE qty = 4 "
                "WITH ('big.type' = 'file_sink', 'big.path' = 'big.jsonl');\n")
            server = Server(tmp, "--auth-token", "tok")
            try:
                denied = server.cli("jobs", token="nope")
                self.assertEqual(denied.returncode, 2)
                self.assertEqual(denied.stderr, "error: the bearer token is not valid (unauthorized)\n")
                deployed = server.cli("deploy", str(tmp / "app.sql"), token="tok")
                self.assertEqual(deployed.returncode, 0, deployed.stderr)
                self.assertTrue(deployed.stdout.startswith("deployed app cli_demo\nNAME"), deployed.stdout)
                wait_for(lambda: job_state(server, "big", "tok") == "finished", 60, "job big to finish")
                expected = "".join(f'{{"id":{i}}}\n' for i in range(1, 201) if i % 5 == 4)
                self.assertEqual((tmp / "big.jsonl").read_text(), expected)
                table = server.cli("jobs", token="tok")
                self.assertEqual(table.returncode, 0)
                self.assertEqual(table.stdout.splitlines()[2].split()[:6],
                                 ["big", "cli_demo", "finished", "200", "40", "0"])
                refused = server.cli("pause", "big", token="tok")
                self.assertEqual(refused.returncode, 2)
                self.assertEqual(refused.stderr, "error: job big is finished (invalid_state)\n")
                (tmp / "bad.sql").write_text("CREATE STREAM x AS SELECT a FROM nowhere;\n")
                invalid = server.cli("deploy", str(tmp / "bad.sql"), token="tok")
                self.assertEqual(invalid.returncode, 2)
                self.assertEqual(invalid.stderr, "error: the app was not deployed: 1 error (validation_failed)\n"
                                                 "  1:34: unknown source 'nowhere' (unknown_source)\n")
                missing = server.cli("status", "nope", token="tok")
                self.assertEqual((missing.returncode, missing.stderr), (2, "error: no job named nope (not_found)\n"))
                metrics = server.cli("metrics", "--json", token="tok")
                samples = {(s["name"], s["labels"]): s["value"] for s in json.loads(metrics.stdout)}
                self.assertEqual(samples[("ferris_records_out_total", 'job="big",sink="big"')], 40)
            finally:
                code, log = server.terminate()
            self.assertEqual(code, 0, log)
            self.assertIn("SIGTERM: stopping every job", log)

    def test_configuration_profiles_and_sighup(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            config = tmp / "ferris.yaml"
            config.write_text("server:\n  max_jobs: 1\nprofiles:\n  wide:\n    server.max_jobs: 2\n")
            bad = subprocess.run([MULTI, "serve", "--config", str(config), "--profile", "narrow"], capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual((bad.returncode, bad.stderr), (2, "error: profile 'narrow' is not in ferris.yaml\n"))
            (tmp / "in.jsonl").write_text('{"id":1}\n')
            app = ("CREATE STREAM s{0} (id BIGINT) WITH ('s{0}.type' = 'file_source', 's{0}.path' = 'in.jsonl');\n"
                   "CREATE STREAM j{0} AS SELECT id FROM s{0} WITH ('j{0}.type' = 'file_sink', 'j{0}.path' = "
                   "'j{0}.jsonl');\n")
            for k in range(3):
                (tmp / f"a{k}.sql").write_text(f"-- @app: a{k}\n" + app.format(k))
            server = Server(tmp, "--config", str(config), "--profile", "wide")
            try:
                self.assertEqual(server.cli("deploy", str(tmp / "a0.sql")).returncode, 0)
                self.assertEqual(server.cli("deploy", str(tmp / "a1.sql")).returncode, 0)
                refused = server.cli("deploy", str(tmp / "a2.sql"))
                self.assertEqual(refused.returncode, 2)
                self.assertIn("at most 2 (max_jobs)", refused.stderr)
                # SIGHUP: the limit changes now; the body limit would need a restart.
                config.write_text("server:\n  max_jobs: 1\n  max_body_bytes: 2048\n"
                                  "profiles:\n  wide:\n    server.max_jobs: 3\n")
                server.process.send_signal(signal.SIGHUP)
                wait_for(lambda: "takes effect after a restart" in server.log_path.read_text(), 30, "the reload")
                log = server.log_path.read_text()
                self.assertIn("SIGHUP: configuration reloaded (log.level info, log.format text, server.max_jobs 3, "
                              "server.stall_timeout 300s applied)", log)
                self.assertIn("SIGHUP: server.max_body_bytes changed: takes effect after a restart of the server", log)
                self.assertEqual(server.cli("deploy", str(tmp / "a2.sql")).returncode, 0)
            finally:
                code, log = server.terminate()
            self.assertEqual(code, 0, log)


class KafkaShutdownTest(unittest.TestCase):
    def test_sigterm_commits_and_a_new_server_continues_without_loss_or_duplicates(self):
        bootstrap = os.environ.get("FERRIS_KAFKA_BOOTSTRAP")
        self.assertTrue(bootstrap, "FERRIS_KAFKA_BOOTSTRAP is not set: this test needs the broker")
        topic = f"multi-{uuid.uuid4().hex[:8]}"
        subprocess.run([TOPIC_TOOL, "create", bootstrap, topic, "2"], check=True)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            # The brokers come from the server configuration (kafka.*, ${VAR}), the commit
            # interval from its job defaults: the app names neither.
            app = (f"-- @app: sigterm_{uuid.uuid4().hex[:6]}\n"
                   f"CREATE STREAM src (id BIGINT) WITH ('src.type' = 'kafka_source', 'src.topic' = '{topic}');\n"
                   "CREATE STREAM copy AS SELECT id FROM src WITH ('copy.type' = 'file_sink', "
                   "'copy.path' = 'copy.jsonl');\n")
            (tmp / "app.sql").write_text(app)
            (tmp / "ferris.yaml").write_text("kafka:\n  bootstrap.servers: ${FERRIS_KAFKA_BOOTSTRAP}\n"
                                             "jobs:\n  commit.interval: 200ms\n")

            def produce(first, last):
                lines = tmp / f"batch-{first}.jsonl"
                lines.write_text("".join(f'{{"id":{i}}}\n' for i in range(first, last + 1)))
                subprocess.run([TOPIC_TOOL, "produce", bootstrap, topic, str(lines)], check=True,
                               capture_output=True)

            def ids():
                path = tmp / "copy.jsonl"
                return [json.loads(line)["id"] for line in path.read_text().splitlines()] if path.exists() else []

            server = Server(tmp, "--config", "ferris.yaml", "--deploy", "app.sql")
            self.assertIn('"commit.interval_ms":200', server.cli("status", "copy", "--json").stdout)
            produce(1, 500)
            wait_for(lambda: len(ids()) >= 500, 120, "500 records in copy.jsonl")
            produce(501, 800)
            code, log = server.terminate()
            self.assertEqual(code, 0, log)
            # A new server on the same app resumes from the checkpoint SIGTERM wrote.
            server = Server(tmp, "--config", "ferris.yaml", "--deploy", "app.sql")
            wait_for(lambda: len(ids()) >= 800, 120, "800 records in copy.jsonl")
            code, log = server.terminate()
            self.assertEqual(code, 0, log)
            self.assertEqual(sorted(ids()), list(range(1, 801)))


if __name__ == "__main__":
    MULTI, CLI, TOPIC_TOOL = sys.argv[1:4]
    del sys.argv[1:4]
    unittest.main(verbosity=2)
