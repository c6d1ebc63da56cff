"""Shared by the integration tests of examples/service (service_*_test.py):
replicas of recommender_service and a real Prometheus on loopback, each
process started by id and stopped by id, every wait bounded.

A test is a function body(run, args) given to run_test(): `run` owns the
test's scratch directory, its clock and deadline (--budget) and every
process made through it (run.replica, run.start_prometheus, run.popen),
all stopped when the test ends, pass or fail; the directory is removed after
a pass unless --keep, and kept (its path printed) after a failure.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SKIP = 77


class Failure(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_until(what, predicate, deadline, interval=0.2):
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # a server still starting
            last_error = e
        time.sleep(interval)
    raise Failure("timed out waiting for %s%s" % (what, " (last error: %s)" % last_error if last_error else ""))


def service_config(source_dir, tmp, name, window_seconds=3600, save_seconds=3600):
    """examples/service/config.yaml as shipped, with the test's window and
    save period, the reference by absolute path and no webhook."""
    svc = os.path.join(os.path.abspath(source_dir), "examples", "service")
    with open(os.path.join(svc, "config.yaml")) as f:
        text = f.read()
    subs = [
        (r"(?m)^  window_seconds: \S+", "  window_seconds: %s" % window_seconds),
        (r"(?m)^  save_seconds: \S+", "  save_seconds: %s" % save_seconds),
        (r"(?m)^  file: reference.csv", "  file: " + os.path.join(svc, "reference.csv")),
        (r"(?ms)^retrain_webhook:.*\Z", ""),
    ]
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text)
        if n != 1:
            raise Failure("examples/service/config.yaml no longer matches %r: update this test" % pattern)
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


class Replica:
    """One recommender_service process on fixed loopback ports (so Prometheus
    and clients find it again after a restart); its stdout lines are kept."""

    def __init__(self, binary, config, tmp, name, extra=()):
        self.binary, self.config, self.name, self.extra = binary, config, name, list(extra)
        self.api_port, self.metrics_port = free_port(), free_port()
        self.state_file = os.path.join(tmp, name + ".state")
        self.log_path = os.path.join(tmp, name + ".log")
        self.proc = None
        self.boots = []   # per start: {"boot": id, "lines": [...]}

    def start(self, deadline):
        cmd = [self.binary, "--config", self.config, "--api-port", str(self.api_port),
               "--metrics-port", str(self.metrics_port), "--state-file", self.state_file] + self.extra
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        boot = {"boot": None, "lines": [], "ready": threading.Event()}
        self.boots.append(boot)

        def read(proc=self.proc, boot=boot):
            for line in proc.stdout:
                line = line.rstrip("\n")
                boot["lines"].append(line)
                log.write(line + "\n")
                log.flush()
                if line.startswith("READY "):
                    boot["boot"] = dict(kv.split("=") for kv in line.split()[1:])["boot"]
                    boot["ready"].set()

        threading.Thread(target=read, daemon=True).start()
        while not boot["ready"].wait(0.1):
            if self.proc.poll() is not None:
                raise Failure("%s exited with %s before READY (log: %s)" % (self.name, self.proc.returncode,
                                                                        self.log_path))
            if time.monotonic() > deadline:
                raise Failure("%s not READY in time" % self.name)
        return boot

    def lines(self, prefix, boot_index=-1):
        return [l for l in self.boots[boot_index]["lines"] if l.startswith(prefix)]

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc.returncode if self.proc else None

    def metrics(self):
        return http_get("http://127.0.0.1:%d/metrics" % self.metrics_port)


def parse_exposition(text):
    """{(name, frozenset(labels.items())): value} of a text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return out


class Prometheus:
    """A real Prometheus scraping `targets` (metrics ports) every second as
    job "ranker", evaluating examples/monitoring's recording rules every
    second."""

    def __init__(self, binary, source_dir, tmp, targets):
        self.binary, self.tmp = binary, tmp
        self.port = free_port()
        self.data = os.path.join(tmp, "prom-data")
        self.log = open(os.path.join(tmp, "prometheus.log"), "a")
        self.proc = None
        rules = os.path.join(source_dir, "examples", "monitoring", "rules", "driftwatch_recording.yml")
        with open(rules) as f:
            recording, n = re.subn(r"(?m)^(\s*)interval: 1m$", r"\1interval: 1s", f.read())
        if n == 0:
            raise Failure("no 'interval: 1m' in driftwatch_recording.yml: update this test")
        with open(os.path.join(tmp, "recording.yml"), "w") as f:
            f.write(recording)
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write("""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [recording.yml]
scrape_configs:
  - job_name: ranker
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: [%s]
""" % ", ".join('"127.0.0.1:%d"' % p for p in targets))

    def start(self, deadline):
        self.proc = subprocess.Popen(
            [self.binary, "--config.file=" + os.path.join(self.tmp, "prometheus.yml"),
             "--storage.tsdb.path=" + self.data, "--web.listen-address=127.0.0.1:%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until("prometheus ready", lambda: http_get("http://127.0.0.1:%d/-/ready" % self.port), deadline)

    def stop(self, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(timeout=10)

    def query(self, expr):
        body = http_get("http://127.0.0.1:%d/api/v1/query?%s" % (self.port, urllib.parse.urlencode({"query": expr})))
        data = json.loads(body)
        if data.get("status") != "success":
            raise Failure("query %r failed: %s" % (expr, body))
        return data["data"]["result"]

    def values(self, expr, key):
        """{labels[key]: float(value)} of an instant query."""
        return {r["metric"].get(key, ""): float(r["value"][1]) for r in self.query(expr)}


def find_binary(path_or_name):
    if path_or_name and os.path.isfile(path_or_name) and os.access(path_or_name, os.X_OK):
        return path_or_name
    found = shutil.which(path_or_name or "")
    return found


# The first line of a ThreadSanitizer, AddressSanitizer/LeakSanitizer or
# UndefinedBehaviorSanitizer report.
SANITIZER_REPORTS = ("WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:", "ERROR: LeakSanitizer:",
                     "runtime error:")


def close_rel(a, b, rel=1e-9):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def stop_all(replicas, prometheus=None):
    """SIGTERM to every process at once, then wait for each (bounded)."""
    import signal as _signal
    for r in replicas:
        if r and r.proc and r.proc.poll() is None:
            r.proc.send_signal(_signal.SIGTERM)
    if prometheus and prometheus.proc and prometheus.proc.poll() is None:
        prometheus.proc.send_signal(_signal.SIGTERM)
    for r in replicas:
        if r and r.proc:
            r.stop()
    if prometheus:
        prometheus.stop()


def test_arguments(doc, budget, prometheus=False):
    """The command line every service test takes (--service, --source-dir,
    --budget, --keep; --prometheus for those that run one)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--service", required=True, help="the recommender_service binary")
    ap.add_argument("--source-dir", required=True, help="the repository (examples/service's config and data)")
    ap.add_argument("--budget", type=float, default=budget, help="seconds the whole test may take")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory after a pass")
    if prometheus:
        ap.add_argument("--prometheus", default="prometheus", help="the prometheus binary (path or name)")
    return ap


class Run:
    """One test's scratch directory, clock and processes (see the module comment)."""

    def __init__(self, args, prefix):
        self.args = args
        self.start = time.monotonic()
        self.deadline = self.start + args.budget
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.replicas, self.prometheus, self.procs, self.cleanups = [], None, [], []

    def mark(self, what):
        print("[%5.1f s] %s" % (time.monotonic() - self.start, what), flush=True)

    def elapsed(self):
        return time.monotonic() - self.start

    def replica(self, config, name, extra=()):
        r = Replica(self.args.service, config, self.tmp, name, extra)
        self.replicas.append(r)
        return r

    def start_prometheus(self, targets):
        self.prometheus = Prometheus(self.prometheus_binary, self.args.source_dir, self.tmp, targets)
        self.prometheus.start(self.deadline)
        return self.prometheus

    def popen(self, cmd, **kwargs):
        p = subprocess.Popen(cmd, **kwargs)
        self.procs.append(p)
        return p

    def on_close(self, f):
        self.cleanups.append(f)

    def check_sanitizer_reports(self):
        """Stops every replica (SIGTERM: a sanitizer reports leaks at exit)
        and fails if any replica's log holds a sanitizer report: under the
        tsan and asan presets the replicas are instrumented, and a report
        in one of them must fail the test, not only stop that replica."""
        stop_all(self.replicas, self.prometheus)
        for r in self.replicas:
            with open(r.log_path, errors="replace") as f:
                for line in f:
                    if any(m in line for m in SANITIZER_REPORTS):
                        raise Failure("%s: sanitizer report in %s: %s" % (r.name, r.log_path, line.strip()))

    def close(self, passed):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        stop_all(self.replicas, self.prometheus)
        for f in reversed(self.cleanups):
            f()
        if passed and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


def run_test(args, prefix, body, prometheus=False):
    """Runs body(run, args); returns the exit status (0 pass, 1 fail, SKIP
    when the test needs Prometheus and it is not installed)."""
    prometheus_binary = None
    if prometheus:
        prometheus_binary = find_binary(args.prometheus) or find_binary("/usr/bin/prometheus")
        if not prometheus_binary:
            print("SKIP: prometheus not installed (Debian package prometheus; tools/bootstrap.sh installs it)")
            return SKIP
    run = Run(args, prefix)
    run.prometheus_binary = prometheus_binary
    passed = False
    try:
        body(run, args)
        run.check_sanitizer_reports()
        passed = True
        return 0
    except Failure as e:
        print("FAIL: %s (logs in %s)" % (e, run.tmp), flush=True)
        return 1
    finally:
        run.close(passed)
