#!/usr/bin/python3
"""The cost of monitoring on the service path: recommender_service with
driftwatch attached (monitor + feedback evaluation + /metrics scraped every
second) and without it (--no-monitoring), measured in the same run with
recommender_loadgen, rounds interleaved (on-off, off-on, ...) so both see
the same machine load:

  1. saturation: --threads client threads as fast as the service answers:
     requests/s and p50/p99 latency of POST /recommend;
  2. fixed rate: every round at --load of the throughput the unmonitored
     service sustained in step 1 (open loop per client thread): p50/p99,
     the latency a team sees at the throughput the machine sustains.

For every round it also reads the CPU time the service process spent
(/proc/PID/stat, all its threads) and the client's (getrusage of the
finished loadgen), per acknowledged /recommend. It prints the median and
the min-max of every figure over the rounds, the ratio of the medians and
the per-round ratios, and the load average before and after. Nothing is
pinned: client and service share the machine's cores, as they did when the
target was set ("at the throughput the 2-core machine sustains"); that is
why a round's p99 moves by 10-20% and the figures are medians of many
short rounds.

Usage (from the repository, after building recommender_service and
recommender_loadgen, e.g. cmake --build --preset dev --target recommender_service recommender_loadgen):
    python3 examples/service/bench_service.py --build-dir build/dev
"""
import argparse
import json
import os
import resource
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


def process_cpu_seconds(pid):
    """utime + stime of every thread of process pid, from /proc."""
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def loadgen(binary, port, threads, seconds, rate=0.0, seed=1, server_pid=None):
    """One round; adds the CPU the service process and the client spent per
    acknowledged /recommend (the service's includes the feedback POSTs)."""
    s0, c0 = (process_cpu_seconds(server_pid) if server_pid else 0.0), children_cpu_seconds()
    out = subprocess.run([binary, "--port", str(port), "--threads", str(threads), "--duration", str(seconds),
                          "--feedback", "0.3", "--rate", str(rate), "--seed", str(seed)],
                         check=True, capture_output=True, text=True).stdout
    s1, c1 = (process_cpu_seconds(server_pid) if server_pid else 0.0), children_cpu_seconds()
    row = json.loads(out.strip().splitlines()[-1])
    n = max(1, row["acked"])
    row["server_cpu_us"] = 1e6 * (s1 - s0) / n
    row["client_cpu_us"] = 1e6 * (c1 - c0) / n
    return row


def interleaved(lg, replicas, threads, rounds, seconds, rate, seed0):
    """rounds x (on, off), the order alternating (on-off, off-on, ...) so
    neither mode always runs first after the other."""
    rows = {"on": [], "off": []}
    for i in range(rounds):
        order = list(replicas.items()) if i % 2 == 0 else list(reversed(list(replicas.items())))
        for mode, r in order:
            rows[mode].append(loadgen(lg, r.api_port, threads, seconds, rate=rate, seed=seed0 + i,
                                      server_pid=r.proc.pid))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build/dev")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=4.0, help="per round")
    ap.add_argument("--rounds", type=int, default=10, help="per mode and step")
    ap.add_argument("--load", type=float, default=0.7, help="fixed-rate step, fraction of the unmonitored max")
    ap.add_argument("--window-seconds", type=float, default=60.0, help="the monitor's tumbling window")
    ap.add_argument("--skip-saturation", type=float, default=0.0, metavar="REQ_PER_S",
                    help="skip step 1 and run the fixed-rate step at this total rate")
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

        replicas = {"on": on, "off": off}
        loadgen(lg, on.api_port, args.threads, 1.0)   # warm up both
        loadgen(lg, off.api_port, args.threads, 1.0)
        load_before = os.getloadavg()
        steps = []
        if args.skip_saturation > 0:
            total = args.skip_saturation
        else:
            sat = interleaved(lg, replicas, args.threads, args.rounds, args.seconds, 0.0, 0)
            steps.append(("saturation (as fast as it answers)", sat))
            total = args.load * statistics.median(x["requests_per_second"] for x in sat["off"])
        fixed = interleaved(lg, replicas, args.threads, args.rounds, args.seconds, total / args.threads, 10)
        steps.append(("fixed %.0f req/s%s" % (total, "" if args.skip_saturation else
                                             " (%.0f%% of off's median max)" % (100 * args.load)), fixed))
        load = os.getloadavg()

        def spread(values):
            return "%s [%s-%s]" % tuple(fmt(v) for v in (statistics.median(values), min(values), max(values)))

        def fmt(v):
            return "%.0f" % v if abs(v) >= 100 else "%.1f" % v if abs(v) >= 10 else "%.3f" % v

        print("recommender_service, %g s windows, %d client threads, %d rounds x %g s per mode and step, interleaved "
              "(order alternating); load average %.2f %.2f %.2f before, %.2f %.2f %.2f after, %d cores"
              % (args.window_seconds, args.threads, args.rounds, args.seconds, *load_before, *load, os.cpu_count()))
        print("median [min-max] over rounds; on/off: ratio of the medians, and the median [min-max] of the")
        print("per-round ratios (round i of on against round i of off, run back to back)")
        print("%-24s %22s %22s %8s %24s" % ("", "driftwatch on", "off", "on/off", "per-round on/off"))
        for title, rows in steps:
            print(title)
            for key, unit in (("requests_per_second", "requests/s"), ("p50_us", "p50 latency us"),
                              ("p99_us", "p99 latency us"), ("server_cpu_us", "service CPU us/request"),
                              ("client_cpu_us", "client CPU us/request")):
                a = [x[key] for x in rows["on"]]
                b = [x[key] for x in rows["off"]]
                ratio = statistics.median(a) / statistics.median(b) if statistics.median(b) else float("nan")
                paired = [x / y for x, y in zip(a, b) if y]
                print("  %-22s %22s %22s %8.3f %24s" % (unit, spread(a), spread(b), ratio, spread(paired)))
        p99 = [x["p99_us"] for x in fixed["on"]], [x["p99_us"] for x in fixed["off"]]
        ratio = statistics.median(p99[0]) / statistics.median(p99[1])
        print("target (monitoring adds under 5%% to p99 at the fixed rate): p99 on/off %.3f: %s"
              % (ratio, "met" if ratio < 1.05 else "NOT met"))
        with open(os.path.join(tmp, "bench.json"), "w") as f:
            json.dump({"load_average": [load_before, load], "steps": steps, "rate_total": total}, f)
        print("raw rounds: %s" % os.path.join(tmp, "bench.json"))
    finally:
        stop.set()
        stop_all([on, off])


if __name__ == "__main__":
    sys.exit(main())
