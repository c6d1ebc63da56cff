#!/usr/bin/python3
"""End-to-end test of driftwatch's loop, with the real components, on loopback:

    alert_loop_service (driftwatch registry on GET /metrics, drift goes bad)
      -> prometheus (examples/monitoring's recording and alerting rules; 1 s
         scrape/evaluation intervals, `for: 2s` instead of 15m)
      -> prometheus-alertmanager (examples/monitoring/alertmanager.yml with
         the bridge's URL and 1 s group timings, clustering off)
      -> driftwatch::alertmanager_bridge -> driftwatch::retrain_webhook
      -> a fake GitLab pipeline trigger endpoint (answers 201)

and asserts that the pipeline was triggered exactly once, with the expected
form fields, although Alertmanager keeps re-sending the firing alert.

Exit status: 0 pass, 1 fail, 77 skip (prometheus or prometheus-alertmanager
not installed; ctest SKIP_RETURN_CODE). Bounded: every wait has a deadline and
the whole run aborts after --budget seconds (default 90).

Usage: /usr/bin/python3 tests/integration/alert_loop_test.py --service PATH --source-dir REPO
"""
import argparse
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SKIP = 77


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def prom_query(port, expr):
    body = http_get("http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": expr})))
    return json.loads(body)["data"]["result"]


class Failure(Exception):
    pass


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--service", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    ap.add_argument("--alertmanager",
                    default=shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager")
    ap.add_argument("--budget", type=float, default=90.0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, configs)")
    args = ap.parse_args()

    for name, path in (("prometheus", args.prometheus), ("prometheus-alertmanager", args.alertmanager),
                       ("the test service", args.service)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            print("SKIP: %s not found at %s (Debian packages prometheus and prometheus-alertmanager; "
                  "tools/bootstrap.sh installs them)" % (name, path))
            return SKIP

    start = time.monotonic()
    deadline = start + args.budget
    tmp = tempfile.mkdtemp(prefix="driftwatch_e2e_")
    procs = []
    triggers = queue.Queue()
    service_lines = []
    marks = {}

    def mark(name):
        marks[name] = time.monotonic() - start
        print("[%6.2f s] %s" % (marks[name], name), flush=True)

    try:
        # 1. The service.
        service = subprocess.Popen([args.service], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, bufsize=1)
        procs.append(("service", service, None))
        ready = queue.Queue()

        def read_service():
            for line in service.stdout:
                line = line.rstrip("\n")
                service_lines.append(line)
                if line.startswith("READY "):
                    ready.put(dict(kv.split("=") for kv in line.split()[1:]))
                elif line.startswith("TRIGGER "):
                    triggers.put((time.monotonic(), urllib.parse.parse_qs(line[len("TRIGGER "):],
                                                                          keep_blank_values=True)))

        threading.Thread(target=read_service, daemon=True).start()
        try:
            ports = ready.get(timeout=10)
        except queue.Empty:
            raise Failure("the service did not print READY: %r" % service_lines)
        metrics_port, bridge_port = int(ports["metrics"]), int(ports["bridge"])
        mark("service listening (metrics :%d, bridge :%d, fake GitLab :%s)" % (metrics_port, bridge_port,
                                                                              ports["gitlab"]))

        # 2. Configuration: the shipped rules and routes, with test timings.
        mon = os.path.join(args.source_dir, "examples", "monitoring")
        with open(os.path.join(mon, "rules", "driftwatch_recording.yml")) as f:
            recording = f.read()
        recording, n = re.subn(r"(?m)^(\s*)interval: 1m$", r"\1interval: 1s", recording)
        if n == 0:
            raise Failure("no 'interval: 1m' in driftwatch_recording.yml: update this test")
        with open(os.path.join(mon, "rules", "driftwatch_alerts.yml")) as f:
            alerts = f.read()
        alerts, n = re.subn(r"(alert: DriftwatchFeatureDrift\n(?:.*\n)*?\s*)for: 15m", r"\1for: 2s", alerts)
        if n != 1:
            raise Failure("no 'for: 15m' under DriftwatchFeatureDrift in driftwatch_alerts.yml: update this test")
        with open(os.path.join(tmp, "recording.yml"), "w") as f:
            f.write(recording)
        with open(os.path.join(tmp, "alerts.yml"), "w") as f:
            f.write(alerts)

        with open(os.path.join(mon, "alertmanager.yml")) as f:
            am = f.read()
        am, n = re.subn(r'url: "[^"]*"', 'url: "http://127.0.0.1:%d/alertmanager"' % bridge_port, am)
        if n != 1:
            raise Failure("expected one webhook url in alertmanager.yml")
        am = re.sub(r"group_wait: \S+", "group_wait: 1s", am)
        am = re.sub(r"group_interval: \S+", "group_interval: 1s", am)
        # Re-send the firing alert every few seconds: the bridge and the
        # webhook's cooldown must still start one pipeline only.
        am = re.sub(r"repeat_interval: \S+", "repeat_interval: 2s", am)
        with open(os.path.join(tmp, "alertmanager.yml"), "w") as f:
            f.write(am)

        prom_port, am_port = free_port(), free_port()
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write("""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [recording.yml, alerts.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:%d"]
scrape_configs:
  - job_name: ranker
    static_configs:
      - targets: ["127.0.0.1:%d"]
""" % (am_port, metrics_port))

        # 3. Alertmanager and Prometheus.
        am_log = open(os.path.join(tmp, "alertmanager.log"), "w")
        alertmanager = subprocess.Popen(
            [args.alertmanager, "--config.file=" + os.path.join(tmp, "alertmanager.yml"),
             "--storage.path=" + os.path.join(tmp, "am-data"), "--web.listen-address=127.0.0.1:%d" % am_port,
             "--cluster.listen-address="],
            stdout=am_log, stderr=subprocess.STDOUT)
        procs.append(("alertmanager", alertmanager, am_log))
        prom_log = open(os.path.join(tmp, "prometheus.log"), "w")
        prometheus = subprocess.Popen(
            [args.prometheus, "--config.file=" + os.path.join(tmp, "prometheus.yml"),
             "--storage.tsdb.path=" + os.path.join(tmp, "prom-data"),
             "--web.listen-address=127.0.0.1:%d" % prom_port],
            stdout=prom_log, stderr=subprocess.STDOUT)
        procs.append(("prometheus", prometheus, prom_log))
        wait_until("Alertmanager ready", lambda: http_get("http://127.0.0.1:%d/-/ready" % am_port) is not None,
                   deadline)
        mark("alertmanager ready")
        wait_until("Prometheus ready", lambda: http_get("http://127.0.0.1:%d/-/ready" % prom_port) is not None,
                   deadline)
        mark("prometheus ready")

        # 4. Healthy phase: the fleet PSI is recorded, below the threshold, and
        #    nothing fires.
        def fleet_psi():
            r = prom_query(prom_port, 'driftwatch:feature_psi:fleet{model="ranker",feature="age"}')
            return float(r[0]["value"][1]) if r else None

        healthy = wait_until("the recorded fleet PSI", lambda: fleet_psi() is not None, deadline)
        healthy = fleet_psi()
        mark("fleet PSI recorded by the shipped rules: %.5f (healthy)" % healthy)
        if not healthy < 0.25:
            raise Failure("healthy window has fleet PSI %r >= 0.25" % healthy)
        time.sleep(3.0)  # longer than `for:` + group_wait: a false alarm would show now
        if prom_query(prom_port, 'ALERTS{alertname="DriftwatchFeatureDrift"}'):
            raise Failure("DriftwatchFeatureDrift is pending/firing on healthy data")
        if not triggers.empty():
            raise Failure("a pipeline was triggered on healthy data")
        mark("healthy for 3 s: no alert, no pipeline")

        # 5. Drift goes bad.
        service.stdin.write("drift\n")
        service.stdin.flush()
        drifted_at = time.monotonic()
        mark("current window replaced by a shifted sample")
        psi = wait_until("fleet PSI above 0.25", lambda: (lambda v: v if v is not None and v > 0.25 else None)(
            fleet_psi()), deadline)
        mark("fleet PSI = %.4f > 0.25" % psi)
        wait_until("the alert firing", lambda: prom_query(
            prom_port, 'ALERTS{alertname="DriftwatchFeatureDrift",alertstate="firing"}'), deadline)
        mark("DriftwatchFeatureDrift firing in Prometheus")
        try:
            at, form = triggers.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise Failure("no pipeline was triggered")
        mark("GitLab pipeline triggered (%.2f s after the drift)" % (at - drifted_at))

        # 6. Alertmanager keeps re-sending (repeat_interval 2s): still one pipeline.
        def bridge_accepted():
            # A generous timeout: under ThreadSanitizer on a loaded machine a
            # scrape of the service can take seconds.
            text = http_get("http://127.0.0.1:%d/metrics" % metrics_port, timeout=10.0)
            m = re.search(r'^driftwatch_alertmanager_notifications_total\{bridge="main",result="accepted"\} (\S+)$',
                          text, re.M)
            return float(m.group(1)) if m else 0.0

        wait_until("Alertmanager to re-send the notification", lambda: bridge_accepted() >= 2,
                   min(deadline, time.monotonic() + 30))
        time.sleep(1.0)
        mark("bridge accepted %d notifications of the incident" % bridge_accepted())
        if not triggers.empty():
            extra = []
            while not triggers.empty():
                extra.append(triggers.get()[1])
            raise Failure("the pipeline was triggered more than once: %r" % extra)

        expected = {
            "token": "e2e-trigger-token",
            "ref": "main",
            "variables[DRIFTWATCH_KEY]": "alertname=DriftwatchFeatureDrift,model=ranker,feature=age",
            "variables[DRIFTWATCH_MODEL]": "ranker",
            "variables[DRIFTWATCH_REASON]": "DriftwatchFeatureDrift",
            "variables[TRAINING_JOB]": "retrain-ranker",
        }
        for key, value in expected.items():
            if form.get(key) != [value]:
                raise Failure("trigger field %s = %r, expected %r (form: %r)" % (key, form.get(key), value, form))
        if not re.fullmatch(r"evt_[0-9a-f]{16,}", form.get("variables[DRIFTWATCH_EVENT_ID]", [""])[0]):
            raise Failure("no event id in the trigger: %r" % form)

        # The exposition the whole loop ran on passes Prometheus' own checker.
        promtool = shutil.which("promtool")
        if promtool:
            text = http_get("http://127.0.0.1:%d/metrics" % metrics_port)
            checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
            if checked.returncode != 0:
                raise Failure("promtool check metrics rejected the service's exposition: " + checked.stdout +
                              checked.stderr)
            mark("promtool check metrics: the service's /metrics is clean")
        mark("PASS: one pipeline, fields %s" % ", ".join(sorted(k for k in form)))
        return 0
    except Failure as e:
        print("FAIL: %s" % e)
        for name in ("prometheus.log", "alertmanager.log"):
            path = os.path.join(tmp, name)
            if os.path.exists(path):
                with open(path) as f:
                    tail = f.read().splitlines()[-15:]
                print("--- last lines of %s ---\n%s" % (name, "\n".join(tail)))
        print("--- service output ---\n%s" % "\n".join(service_lines[-30:]))
        return 1
    finally:
        for name, p, log in reversed(procs):
            if p.poll() is None:
                if name == "service":
                    try:
                        p.stdin.write("quit\n")
                        p.stdin.flush()
                        p.wait(timeout=5)
                    except Exception:
                        pass
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    try:
                        p.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
            if log:
                log.close()
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        print("total %.2f s" % (time.monotonic() - start))


if __name__ == "__main__":
    sys.exit(main())
