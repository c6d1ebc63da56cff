#!/usr/bin/python3
"""Under load and faults, nothing is lost (loopback only, bounded).

Three replicas of examples/service's recommender_service saving their state
every second; against each, recommender_loadgen runs 4 client threads sending
requests (and feedback) as fast as the replica answers, for --load-seconds
(default 62); a real Prometheus scrapes every second throughout. During the
load:
  - at ~20 s one replica is killed with SIGKILL and started again at once on
    the same ports and state file;
  - at ~35 s Prometheus is stopped and started again on the same storage.

Then asserts, through Prometheus' HTTP API:
  - for every replica never killed, recommender_observations_total (per
    feature) equals the requests its clients got acknowledged (HTTP 200);
  - for the killed replica, it equals the acknowledged requests minus exactly
    those acknowledged after its last state save: the count restored at
    restart (its "RESTORED observations=N" line) plus the requests the new
    process acknowledged (the clients count acks per boot id);
  - the restored count is one of the killed process's completed saves (its
    "SAVED observations=N" lines; or newer, if the kill landed between a
    save's rename and its log line), never a torn file: the restart loads it;
  - Prometheus scraped the fleet throughout (up == 1 samples over the run)
    and its fleet recording rules still answer after its restart.
A separate quick check (--atomic-kills, default 15) SIGKILLs a replica that
saves every 5 ms at random instants and restarts it: every restart must load
the state file (a non-atomic save would leave a torn file that fails).

Exit status: 0 pass, 1 fail, 77 skip (prometheus not installed). Cost: about
--load-seconds + 20 s (~80-90 s); registered with the CTest label "long".

Usage: service_faults_test.py --service PATH --loadgen PATH --source-dir REPO
"""
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from service_harness import Failure, run_test, service_config, test_arguments, wait_until  # noqa: E402

FEATURES = ["age", "session_length", "price_affinity", "recency", "device"]


def observations(line):
    return int(re.search(r"observations=(\d+)", line).group(1))


def atomic_kills(run, args, n):
    """SIGKILL during frequent saves never leaves a file that fails to load."""
    config = service_config(args.source_dir, run.tmp, "atomic", save_seconds=0.005)
    r = run.replica(config, "atomic")
    deadline = run.deadline
    rng = random.Random(7)
    last = 0
    mid_save = 0

    # Odd kills land at random instants; even ones are aimed at a save in
    # progress. Past n, aimed kills go on (at most 45 more) until one
    # has landed during a save, so the check never passes vacuously and
    # never fails by bad luck of timing alone.
    def aimed(i):
        return i % 2 == 0 or i >= n

    i = 0
    while i < n or (mid_save == 0 and i < n + 45):
        r.start(deadline)   # raises if the state file fails to load (the service exits 1)
        restored = r.lines("RESTORED")
        if i > 0 and not restored[0].startswith("RESTORED observations="):
            raise Failure("restart %d did not restore the state: %s" % (i, restored))
        if i > 0:
            got = observations(restored[0])
            if got < last:
                raise Failure("restart %d restored %d observations, an earlier save held %d" % (i, got, last))
            last = got
        load = run.popen([args.loadgen, "--port", str(r.api_port), "--threads", "2", "--duration", "0.4",
                          "--feedback", "0.3", "--seed", str(i)], stdout=subprocess.PIPE, text=True)
        # At least one save first (a slow start, e.g. under a sanitizer,
        # must not make the kill land before any), then a random instant.
        wait_until("a first save", lambda: r.lines("SAVED"), deadline, interval=0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        if aimed(i):
            # Aim the kill: spin until a save's temporary file exists
            # (for at most 0.2 s), then kill at once. A save lasts a
            # write and an fsync, so most aimed kills cut one short; on
            # a machine busy enough to finish every save between the
            # poll and the kill, more kills follow (below).
            spin_end = time.monotonic() + 0.2
            while not os.path.exists(r.state_file + ".tmp") and time.monotonic() < spin_end:
                pass
        saves = len(r.lines("SAVED"))
        r.kill()
        # A temporary file left behind: this kill cut a save short.
        if os.path.exists(r.state_file + ".tmp"):
            mid_save += 1
            os.remove(r.state_file + ".tmp")
        load.wait(timeout=10)
        if saves == 0:
            raise Failure("no save completed before kill %d: the check proves nothing" % i)
        i += 1
    r.start(deadline)
    if any("SAVE failed" in l for b in r.boots for l in b["lines"]):
        raise Failure("a save failed")
    if mid_save == 0:
        raise Failure("none of the %d kills landed during a save: the check proves nothing" % i)
    print("ok   %d SIGKILLs of a replica saving every 5 ms, %d of them during a save: every restart loaded "
          "the state (last: %d observations)" % (i, mid_save, last), flush=True)


def main():
    ap = test_arguments(__doc__, budget=150.0, prometheus=True)
    ap.add_argument("--loadgen", required=True, help="the recommender_loadgen binary")
    ap.add_argument("--load-seconds", type=float, default=62.0)
    ap.add_argument("--atomic-kills", type=int, default=15)
    return run_test(ap.parse_args(), "driftwatch_faults_", faults, prometheus=True)


def faults(run, args):
    deadline, mark = run.deadline, run.mark
    # 10 s windows: they close under load too (and keep each scrape's exact KS
    # on the raw samples of one window cheap).
    config = service_config(args.source_dir, run.tmp, "service", window_seconds=10, save_seconds=1)
    replicas = [run.replica(config, "replica%d" % i) for i in range(3)]
    for r in replicas:
        r.start(deadline)
    prom = run.start_prometheus([r.metrics_port for r in replicas])
    mark("3 replicas and Prometheus up")

    load_start = time.monotonic()
    loads = []
    for i, r in enumerate(replicas):
        loads.append(run.popen(
            [args.loadgen, "--port", str(r.api_port), "--threads", "4", "--duration", str(args.load_seconds),
             "--feedback", "0.3", "--seed", str(100 + i)], stdout=subprocess.PIPE, text=True))
    mark("load: 4 client threads per replica, %g s" % args.load_seconds)

    victim = replicas[1]
    time.sleep(max(0.0, load_start + 20 - time.monotonic()))
    saved_before = victim.lines("SAVED")
    victim.kill()
    mark("SIGKILL %s (after %d saves)" % (victim.name, len(saved_before)))
    victim.start(deadline)
    restored_line = victim.lines("RESTORED")
    mark("%s restarted: %s" % (victim.name, restored_line))
    if not restored_line or not restored_line[0].startswith("RESTORED observations="):
        raise Failure("the killed replica did not restore its state: %s" % restored_line)
    restored = observations(restored_line[0])
    saved_values = [observations(l) for l in victim.lines("SAVED", 0)]
    if not saved_values:
        raise Failure("the killed replica never saved")
    if restored not in saved_values and restored < saved_values[-1]:
        raise Failure("restored %d observations, not one of the completed saves %s"
                      % (restored, saved_values[-3:]))

    time.sleep(max(0.0, load_start + 35 - time.monotonic()))
    prom_down = time.monotonic()
    prom.stop()
    mark("Prometheus stopped")
    prom.start(deadline)
    # Seconds without scrapes: its shutdown (it flushes its head block; over
    # 10 s on a loaded machine) and its start.
    prom_down = time.monotonic() - prom_down
    mark("Prometheus restarted (%.1f s without scrapes)" % prom_down)

    results = []
    for p in loads:
        out, _ = p.communicate(timeout=args.load_seconds + 60)
        results.append(json.loads(out.strip().splitlines()[-1]))
    load_seconds = time.monotonic() - load_start
    mark("load done: %s" % ", ".join("%d acked (%.0f/s, %d failed)" % (r["acked"], r["requests_per_second"],
                                                                     r["failed"]) for r in results))

    expected = {}
    for r, res in zip(replicas, results):
        if r is victim:
            first, second = r.boots[0]["boot"], r.boots[1]["boot"]
            acked_first = res["acked_by_boot"].get(first, 0)
            acked_second = res["acked_by_boot"].get(second, 0)
            lost = acked_first - restored
            expected[r.metrics_port] = res["acked"] - lost
            mark("%s: %d acked before the kill, %d restored from its last save (lost %d, acked after the "
                 "save; a negative count is requests observed but whose answer the kill cut off), %d acked after"
                 % (r.name, acked_first, restored, lost, acked_second))
            if set(res["acked_by_boot"]) - {first, second}:
                raise Failure("acks from an unknown boot: %s" % res["acked_by_boot"])
        else:
            expected[r.metrics_port] = res["acked"]
            if res["failed"]:
                raise Failure("%s (never killed) failed %d requests" % (r.name, res["failed"]))

    def totals():
        got = {}
        for f in FEATURES:
            for rr in prom.query('recommender_observations_total{feature="%s"}' % f):
                port = int(rr["metric"]["instance"].split(":")[1])
                got[(port, f)] = int(float(rr["value"][1]))
        return got

    def settled():
        got = totals()
        return all(got.get((port, f)) == n for port, n in expected.items() for f in FEATURES)
    try:
        wait_until("Prometheus' observation totals to equal the acknowledged requests", settled, deadline)
    except Failure:
        got = totals()
        raise Failure("totals differ: expected %s, Prometheus has %s (up: %s)" % (
            expected, {k: v for k, v in got.items() if k[1] == "age"},
            prom.values('count_over_time(up{job="ranker"}[2m])', "instance")))
    for port, n in expected.items():
        print("ok   instance 127.0.0.1:%d: recommender_observations_total == %d for all %d features"
              % (port, n, len(FEATURES)))
    total_expected = sum(expected.values())
    fleet = prom.values('sum(recommender_observations_total{feature="age"})', "")[""]
    if int(fleet) != total_expected:
        raise Failure("fleet total %d != %d" % (fleet, total_expected))

    # Scraped throughout: up samples (1 or 0: a failed scrape counts too)
    # over the load, but for the seconds Prometheus itself was down for its
    # restart; and the fleet rules answer.
    window = int(load_seconds) + 5
    up = prom.values('count_over_time(up{job="ranker"}[%ds])' % window, "instance")
    for inst, n in up.items():
        if n < 0.7 * (load_seconds - prom_down):
            raise Failure("%s scraped only %d times in %d s (Prometheus down %.1f s of them)"
                          % (inst, n, window, prom_down))
    # (Over the last 20 s, all after Prometheus' restart: a window that
    # closed after the load ended is empty, and its PSI absent.)
    if not prom.query('max_over_time(driftwatch:feature_psi:fleet{feature="age"}[20s])'):
        raise Failure("no fleet PSI recorded after Prometheus' restart")
    mark("Prometheus scraped every replica %s times over %.0f s of load; fleet rules answer"
         % (sorted(int(v) for v in up.values()), load_seconds))
    if load_seconds < 60:
        raise Failure("the load ran %.1f s, less than 60" % load_seconds)

    if args.atomic_kills > 0:
        atomic_kills(run, args, args.atomic_kills)
    print("PASS: %d requests acknowledged, %d observations in Prometheus, only the %d acked after the killed "
          "replica's last save missing (%.1f s)"
          % (sum(r["acked"] for r in results), total_expected, sum(r["acked"] for r in results) - total_expected,
             run.elapsed()))


if __name__ == "__main__":
    sys.exit(main())
