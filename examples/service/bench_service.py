#!/usr/bin/python3
"""The cost of monitoring on the service path: recommender_service with
driftwatch attached (monitor + feedback evaluation + /metrics scraped every
second) and without it (--no-monitoring), measured in the same run with
recommender_loadgen, rounds interleaved (on, off, on, off, ...) so both see
the same machine load:

  1. saturation: --threads client threads as fast as the service answers:
     requests/s and p50/p99 latency of POST /recommend;
  2. fixed rate: every round at --load of the throughput the unmonitored
     service sustained in step 1 (open loop per client thread): p50/p99,
     the latency a team sees at the throughput the machine sustains.

Prints a table and the load average (the client runs on the same cores as
the service; other work on the machine shows up in both columns alike).

Usage (from the repository, after building recommender_service and
recommender_loadgen, e.g. cmake --build --preset dev --target recommender_service recommender_loadgen):
    python3 examples/service/bench_service.py --build-dir build/dev
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from service_harness import Replica, service_config, stop_all  # noqa: E402


def loadgen(binary, port, threads, seconds, rate=0.0, seed=1):
    out = subprocess.run([binary, "--port", str(port), "--threads", str(threads), "--duration", str(seconds),
                          "--feedback", "0.3", "--rate", str(rate), "--seed", str(seed)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build/dev")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0, help="per round")
    ap.add_argument("--rounds", type=int, default=3, help="per mode and step")
    ap.add_argument("--load", type=float, default=0.7, help="fixed-rate step, fraction of the unmonitored max")
    ap.add_argument("--window-seconds", type=float, default=60.0,
                    help="the monitor's tumbling window (a scrape sorts its raw samples for the exact KS)")
    args = ap.parse_args()
    service = os.path.join(args.build_dir, "examples", "service", "recommender_service")
    lg = os.path.join(args.build_dir, "examples", "service", "recommender_loadgen")
    source = os.path.join(HERE, "..", "..")
    tmp = tempfile.mkdtemp(prefix="driftwatch_bench_")
    config = service_config(source, tmp, "bench", window_seconds=args.window_seconds)
    on = Replica(service, config, tmp, "monitored")
    off = Replica(service, config, tmp, "unmonitored", extra=["--no-monitoring"])
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 20
        on.start(deadline)
        off.start(deadline)

        def scrape():  # what Prometheus would do: GET /metrics every second
            while not stop.wait(1.0):
                try:
                    urllib.request.urlopen("http://127.0.0.1:%d/metrics" % on.metrics_port, timeout=5).read()
                except OSError:
                    pass
        threading.Thread(target=scrape, daemon=True).start()

        loadgen(lg, on.api_port, args.threads, 1.0)   # warm up both
        loadgen(lg, off.api_port, args.threads, 1.0)
        sat = {"on": [], "off": []}
        for i in range(args.rounds):
            for mode, r in (("on", on), ("off", off)):
                sat[mode].append(loadgen(lg, r.api_port, args.threads, args.seconds, seed=i))
        max_off = statistics.median(x["requests_per_second"] for x in sat["off"])
        rate = args.load * max_off / args.threads
        fixed = {"on": [], "off": []}
        for i in range(args.rounds):
            for mode, r in (("on", on), ("off", off)):
                fixed[mode].append(loadgen(lg, r.api_port, args.threads, args.seconds, rate=rate, seed=10 + i))
        load = os.getloadavg()

        def med(rows, key):
            return statistics.median(x[key] for x in rows)
        print("recommender_service, %g s windows, %d client threads, %d rounds x %.0f s per mode, interleaved; "
              "load average %.2f %.2f %.2f on %d cores" % (args.window_seconds, args.threads, args.rounds, args.seconds,
                                                           *load, os.cpu_count()))
        print("%-34s %12s %12s %10s" % ("", "driftwatch on", "off", "on/off"))
        for title, rows in (("saturation", sat), ("fixed %.0f req/s (%.0f%% of off max)" % (rate * args.threads,
                                                                                          100 * args.load), fixed)):
            print(title)
            for key, unit in (("requests_per_second", "req/s"), ("p50_us", "p50 us"), ("p99_us", "p99 us")):
                a, b = med(rows["on"], key), med(rows["off"], key)
                print("  %-32s %12.0f %12.0f %10.3f" % (unit, a, b, a / b if b else float("nan")))
        print(json.dumps({"load_average": load, "saturation": sat, "fixed_rate": fixed, "rate_per_thread": rate}),
              file=open(os.path.join(tmp, "bench.json"), "w"))
        print("raw rounds: %s" % os.path.join(tmp, "bench.json"))
    finally:
        stop.set()
        stop_all([on, off])


if __name__ == "__main__":
    sys.exit(main())
