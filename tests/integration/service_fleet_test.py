#!/usr/bin/python3
"""Fleet test on a real Prometheus (loopback only, bounded):

three replicas of examples/service's recommender_service, each sent a
different shard (request i -> replica i mod 3) of one request stream with its
delayed feedback, scraped every second by a real Prometheus that evaluates
examples/monitoring/rules/driftwatch_recording.yml every second. A fourth
process of the same service receives the whole stream (the union of the
shards) and is not scraped.

Asserts, through Prometheus' HTTP API, that the fleet-wide values Prometheus
computes equal, within 1e-9 relative, what driftwatch computes in that one
process over the union:
  - per numeric feature: PSI, Jensen-Shannon distance and binned KS
    (driftwatch:feature_psi:fleet, :feature_js_distance:fleet,
    :feature_binned_ks:fleet vs driftwatch_feature_psi, _js_distance,
    _binned_ks of the union process);
  - the categorical feature: PSI and JS distance (driftwatch:category_*:fleet);
  - P@10 and NDCG@10: sum over replicas of driftwatch_ranking_metric_sum /
    sum of _count vs the union process's _sum / _count;
and that the comparison is not trivial: no replica alone has the union's PSI.

Exit status: 0 pass, 1 fail, 77 skip (prometheus not installed). Bounded by
--budget seconds (default 60). Cost: about 15 s.

Usage: service_fleet_test.py --service PATH --source-dir REPO [--prometheus PATH]
"""
import http.client
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from service_harness import (Failure, close_rel, parse_exposition, run_test, service_config,  # noqa: E402
                             test_arguments, wait_until)

N_REQUESTS = 1500
FEATURES = ["age", "session_length", "price_affinity", "recency"]


def stream(seed=20261206):
    """The request stream: the last third drifts (shifted ages and recencies,
    more web traffic), so PSI/JS/KS are far from zero."""
    rng = random.Random(seed)
    for i in range(N_REQUESTS):
        drift = i >= 2 * N_REQUESTS // 3
        x = [round(rng.gauss(40.0 + (9.0 if drift else 0.0), 12.0), 1),
             round(rng.lognormvariate(3.0, 0.6), 2),
             round(rng.random(), 4),
             round(rng.expovariate(1 / (11.0 if drift else 7.0)), 2)]
        device = rng.choices(["ios", "android", "web"], [0.3, 0.3, 0.4] if drift else [0.45, 0.4, 0.15])[0]
        # Clicks on the served list: each item with probability 0.2, drawn
        # now so the stream is fixed; positions, since items come back later.
        clicks = [p for p in range(10) if rng.random() < 0.2]
        yield "q%d" % i, {"request_id": "q%d" % i, "features": x, "device": device}, clicks


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(self, path, body):
        self.conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise Failure("POST %s -> %d %s" % (path, r.status, data[:200]))
        return json.loads(data)


def main():
    ap = test_arguments(__doc__, budget=60.0, prometheus=True)
    return run_test(ap.parse_args(), "driftwatch_fleet_", fleet, prometheus=True)


def fleet(run, args):
    deadline = run.deadline
    config = service_config(args.source_dir, run.tmp, "service")
    replicas = [run.replica(config, "replica%d" % i) for i in range(3)]
    union = run.replica(config, "union")
    for r in replicas + [union]:
        r.start(deadline)
    prom = run.start_prometheus([r.metrics_port for r in replicas])

    # The stream: each request to its replica and to the union process,
    # then its feedback (clicks on the served list) to both.
    clients = [Client(r.api_port) for r in replicas]
    whole = Client(union.api_port)
    n_feedback = 0
    for i, (rid, request, click_positions) in enumerate(stream()):
        served = clients[i % 3].post("/recommend", request)
        served_union = whole.post("/recommend", request)
        if served["items"] != served_union["items"]:
            raise Failure("replica and union served different lists for %s" % rid)
        feedback = {"request_id": rid, "clicks": [served["items"][p] for p in click_positions]}
        clients[i % 3].post("/feedback", feedback)
        whole.post("/feedback", feedback)
        n_feedback += 1
    print("[%5.1f s] sent %d requests and %d feedbacks to 3 replicas and the union process"
          % (run.elapsed(), N_REQUESTS, n_feedback), flush=True)

    # Prometheus has scraped everything once the fleet count is complete;
    # the recording rules of that evaluation then hold the fleet values.
    def complete():
        counts = prom.values('driftwatch:feature_value_count:sum{feature="age"}', "feature")
        ranking = prom.values('sum(driftwatch_ranking_metric_count{metric="P"})', "")
        return counts.get("age") == N_REQUESTS and ranking.get("") == n_feedback
    wait_until("the fleet's counts in Prometheus", complete, deadline)
    time.sleep(2.5)  # one more evaluation of every rule group on the same scrapes
    print("[%5.1f s] Prometheus holds the whole stream" % (run.elapsed()), flush=True)

    single = parse_exposition(union.metrics())

    def own(name, feature):
        return single[(name, frozenset({("model", "ranker"), ("feature", feature)}))]

    checks = []
    for rule, family, features in (
            ("driftwatch:feature_psi:fleet", "driftwatch_feature_psi", FEATURES),
            ("driftwatch:feature_js_distance:fleet", "driftwatch_feature_js_distance", FEATURES),
            ("driftwatch:feature_binned_ks:fleet", "driftwatch_feature_binned_ks", FEATURES),
            ("driftwatch:category_psi:fleet", "driftwatch_category_psi", ["device"]),
            ("driftwatch:category_js_distance:fleet", "driftwatch_category_js_distance", ["device"])):
        fleet = prom.values(rule, "feature")
        for f in features:
            if f not in fleet:
                raise Failure("Prometheus has no %s{feature=%r}" % (rule, f))
            checks.append((rule, f, fleet[f], own(family, f)))
    for metric in ("P", "ndcg_cut"):
        sel = '{metric="%s",k="10"}' % metric
        fleet = prom.values("sum(driftwatch_ranking_metric_sum%s) / sum(driftwatch_ranking_metric_count%s)"
                            % (sel, sel), "")[""]
        labels = frozenset({("model", "ranker"), ("model_version", "v1"), ("metric", metric), ("k", "10")})
        one = single[("driftwatch_ranking_metric_sum", labels)] / single[("driftwatch_ranking_metric_count", labels)]
        checks.append(("fleet mean " + metric + "@10", "-", fleet, one))

    failures = 0
    for what, feature, fleet, one in checks:
        good = close_rel(fleet, one, 1e-9)
        failures += not good
        print("%-4s %-40s %-15s Prometheus %.17g  one process %.17g  rel %.2e" % (
            "ok" if good else "FAIL", what, feature, fleet, one,
            abs(fleet - one) / max(abs(fleet), abs(one), 1e-300)))
    if failures:
        raise Failure("%d fleet values differ from the one-process values by more than 1e-9 relative" % failures)

    # Not trivial: each replica alone sees a different PSI than the union.
    for r in replicas:
        alone = parse_exposition(r.metrics())[("driftwatch_feature_psi",
                                               frozenset({("model", "ranker"), ("feature", "age")}))]
        if close_rel(alone, own("driftwatch_feature_psi", "age"), 1e-6):
            raise Failure("%s alone has the union's PSI: the shards do not test the aggregation" % r.name)
    if own("driftwatch_feature_psi", "age") < 0.05:
        raise Failure("the stream does not drift enough to test PSI (%.4f)" % own("driftwatch_feature_psi", "age"))
    print("PASS: %d fleet values equal the one-process values within 1e-9 relative (%.1f s)"
          % (len(checks), run.elapsed()))


if __name__ == "__main__":
    sys.exit(main())
