#!/usr/bin/python3
"""The example service's life cycle, on loopback, without Prometheus:

  1. config errors stop the service with a message naming the key (an
     unknown key, a wrong type) -- never a silent default;
  2. a tumbling window that closes with drift triggers the retraining
     webhook configured in the config file (payload json, signed with the
     secret named by signing_secret_env): a local receiver gets one POST whose
     JSON names the model and carries the drifted features' PSI, and whose
     Standard Webhooks signature verifies with that secret;
  3. the reference file re-read on schedule: a changed file becomes the new
     reference (driftwatch_feature_reference_count changes to the new row
     count), the current window closes early, and no observation is lost
     (recommender_observations_total keeps counting across the swap);
  4. SIGTERM saves the state and the next start restores it: every
     observation counted before SIGTERM is counted after the restart.

Exit status: 0 pass, 1 fail. Bounded by --budget (default 40 s). Cost: ~10 s.

Usage: service_lifecycle_test.py --service PATH --source-dir REPO
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from service_harness import (Failure, parse_exposition, run_test, service_config, test_arguments,  # noqa: E402
                             wait_until)


def post(port, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status != 200:
        raise Failure("POST %s -> %d %s" % (path, r.status, data[:200]))
    return json.loads(data)


def config_errors(args, tmp):
    base = service_config(args.source_dir, tmp, "errors")
    with open(base) as f:
        text = f.read()
    cases = [
        ("window_second", text.replace("  window_seconds: 3600", "  window_second: 3600"),
         "'monitor.window_second': unknown key"),
        ("bins type", text.replace("  bins: 10 ", "  bins: ten "), "'monitor.bins': has the wrong type"),
        ("webhook payload", text + "retrain_webhook:\n  url: http://127.0.0.1:9/x\n  payload: xml\n",
         "'retrain_webhook.payload': must be json or gitlab_trigger"),
    ]
    for name, content, expected in cases:
        if content == text:
            raise Failure("config case %r did not change the config: update this test" % name)
        path = os.path.join(tmp, "bad.yaml")
        with open(path, "w") as f:
            f.write(content)
        p = subprocess.run([args.service, "--config", path, "--api-port", "0", "--metrics-port", "0"],
                           capture_output=True, text=True, timeout=10)
        if p.returncode != 1 or expected not in p.stderr:
            raise Failure("config case %r: exit %d, stderr %r (expected %r)" % (name, p.returncode, p.stderr,
                                                                                  expected))
        print("ok   config error %-16s -> %s" % (name, p.stderr.strip()))


def main():
    ap = test_arguments(__doc__, budget=40.0)
    return run_test(ap.parse_args(), "driftwatch_lifecycle_", lifecycle)


def lifecycle(run, args):
    deadline = run.deadline
    config_errors(args, run.tmp)

    # A webhook receiver.
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    run.on_close(receiver.shutdown)

    # A private copy of the reference, re-read every 0.5 s; 1 s windows.
    svc = os.path.join(os.path.abspath(args.source_dir), "examples", "service")
    reference = os.path.join(run.tmp, "reference.csv")
    shutil.copy(os.path.join(svc, "reference.csv"), reference)
    config = service_config(args.source_dir, run.tmp, "lifecycle", window_seconds=1)
    with open(config) as f:
        text = f.read()
    text = text.replace("  file: " + os.path.join(svc, "reference.csv"), "  file: " + reference)
    text = text.replace("  refresh_seconds: 3600", "  refresh_seconds: 0.5")
    text += ("retrain_webhook:\n  url: http://127.0.0.1:%d/retrain\n  payload: json\n"
             "  signing_secret_env: LIFECYCLE_SECRET\n  cooldown_seconds: 3600\n" % receiver.server_port)
    with open(config, "w") as f:
        f.write(text)
    os.environ["LIFECYCLE_SECRET"] = "lifecycle-test-secret"
    r = run.replica(config, "lifecycle")
    r.start(deadline)

    # Drifted traffic (ages +40): the window that closes reports drift.
    for i in range(300):
        post(r.api_port, "/recommend", {"features": [80.0 + i % 7, 20.0, 0.5, 3.0], "device": "web"})
    wait_until("a closed window with drift", lambda: any("drift=" in l and "drift=none" not in l
                                                         for l in r.lines("WINDOW")), deadline)
    wait_until("the webhook POST", lambda: received, deadline)
    headers, body = received[0]
    event = json.loads(body)
    if event.get("model") != "ranker" or "psi_age" not in event.get("metrics", {}):
        raise Failure("unexpected webhook body %s" % body[:300])
    h = {k.lower(): v for k, v in headers.items()}
    signed = ("%s.%s.%s" % (h["webhook-id"], h["webhook-timestamp"], body.decode())).encode()
    expected_sig = "v1," + base64.b64encode(hmac.new(b"lifecycle-test-secret", signed, hashlib.sha256).digest()).decode()
    if expected_sig not in h["webhook-signature"].split():
        raise Failure("the webhook signature does not verify with the configured secret")
    print("ok   closed window with drift -> one signed webhook POST (psi_age=%.3f)" % event["metrics"]["psi_age"])

    # The reference changes: 500 rows instead of 2000.
    def reference_count():
        m = parse_exposition(r.metrics())
        return m.get(("driftwatch_feature_reference_count", frozenset({("model", "ranker"), ("feature", "age")})))
    before_total = parse_exposition(r.metrics())[("recommender_observations_total",
                                                  frozenset({("model", "ranker"), ("feature", "age")}))]
    if reference_count() != 2000:
        raise Failure("reference count %s, expected 2000" % reference_count())
    with open(reference) as f:
        lines = f.readlines()
    with open(reference + ".new", "w") as f:
        f.writelines(lines[:501])
    os.replace(reference + ".new", reference)
    # Requests keep coming during the swap; none may be lost.
    sent = 0
    swap_deadline = time.monotonic() + 5
    while not r.lines("REFERENCE refreshed") and time.monotonic() < swap_deadline:
        post(r.api_port, "/recommend", {"features": [40.0, 20.0, 0.5, 3.0], "device": "ios"})
        sent += 1
    for _ in range(50):
        post(r.api_port, "/recommend", {"features": [40.0, 20.0, 0.5, 3.0], "device": "ios"})
        sent += 1
    if not r.lines("REFERENCE refreshed"):
        raise Failure("the changed reference file was not picked up")
    wait_until("the new reference exported", lambda: reference_count() == 500, deadline)
    after_total = parse_exposition(r.metrics())[("recommender_observations_total",
                                                 frozenset({("model", "ranker"), ("feature", "age")}))]
    if after_total - before_total != sent:
        raise Failure("observations across the reference swap: %d counted, %d sent"
                      % (after_total - before_total, sent))
    print("ok   reference file changed -> new reference (500 rows) exported; %d requests sent across the swap, "
          "%d observed" % (sent, after_total - before_total))
    if r.stop() != 0:
        raise Failure("the service did not stop cleanly on SIGTERM (exit %s)" % r.proc.returncode)
    if not r.lines("STOPPED"):
        raise Failure("no STOPPED line after SIGTERM")
    # SIGTERM saved the state (the periodic save is an hour away), and the
    # next start restores every observation.
    if not r.lines("SAVED"):
        raise Failure("no SAVED line after SIGTERM")
    r.start(deadline)
    restored = r.lines("RESTORED")
    if not restored or not restored[0].startswith("RESTORED observations=%d " % after_total):
        raise Failure("after SIGTERM and a restart: %s, expected RESTORED observations=%d"
                      % (restored, after_total))
    again = parse_exposition(r.metrics())[("recommender_observations_total",
                                           frozenset({("model", "ranker"), ("feature", "age")}))]
    if again != after_total:
        raise Failure("after the restart /metrics counts %d observations, %d before SIGTERM" % (again, after_total))
    print("ok   SIGTERM saved the state; the restart restored all %d observations" % after_total)
    if r.stop() != 0:
        raise Failure("the restarted service did not stop cleanly on SIGTERM (exit %s)" % r.proc.returncode)
    print("PASS (%.1f s)" % (run.elapsed()))


if __name__ == "__main__":
    sys.exit(main())
