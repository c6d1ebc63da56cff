#!/usr/bin/env python3
"""Reference values for the PromQL drift rules (examples/monitoring/rules/).

Writes, into --out DIR:
  promql_drift_test.yml   a `promtool test rules` unit test: two replicas export
                          their current-window buckets and the shared reference;
                          the fleet-wide PSI, JS distance and binned KS computed
                          by the recording rules must equal the values computed
                          here from the summed counts, to 1e-9 (absolute).
  promql_drift_cases.txt  the same counts and expected values for the C++
                          cross-check with driftwatch::psi (tests/prometheus_drift_test.cpp).

Expected values: PSI by the docs/design.md formula (zero proportion -> epsilon on
that side only, no renormalisation) with math.fsum; JS distance from
scipy.spatial.distance.jensenshannon(base=2); binned KS as the max absolute
difference of the cumulative proportions at the bucket bounds (NumPy).
"""
import argparse
import math
import os

import numpy as np
from scipy.spatial.distance import jensenshannon

from refgen import CaseWriter

EPSILON = 1e-4

# feature -> (interior edges, reference counts, replica A counts, replica B counts)
CASES = {
    "age": ([-1.0, 0.0, 0.5, 2.0], [120, 340, 0, 250, 290], [30, 100, 5, 60, 0], [25, 90, 0, 70, 0]),
    "income": ([10.0, 20.0, 35.5, 50.0, 80.25, 120.0],
               [50, 150, 300, 250, 150, 70, 30], [10, 20, 30, 40, 50, 40, 30], [5, 25, 35, 45, 55, 35, 25]),
    "same": ([1.0, 2.0], [10, 20, 30], [1, 2, 3], [2, 4, 6]),
}


def le_text(x):
    """A float as driftwatch writes it, label or value (std::to_chars shortest
    form: integers without ".0"); enough for the numbers used here."""
    if x == math.floor(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def psi(ref, cur):
    p = np.asarray(ref, dtype=float) / sum(ref)
    q = np.asarray(cur, dtype=float) / sum(cur)
    p = np.where(p == 0, EPSILON, p)
    q = np.where(q == 0, EPSILON, q)
    return math.fsum((q - p) * np.log(q / p))


def binned_ks(ref, cur):
    fr = np.cumsum(ref) / sum(ref)
    fc = np.cumsum(cur) / sum(cur)
    return float(np.max(np.abs(fc - fr)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    series = []
    expected = []
    cases = CaseWriter(os.path.join(args.out, "promql_drift_cases.txt"),
                       "Written by tests/reference/gen_promql_drift.py; do not edit.\n"
                       "Per feature: interior edges, reference counts, two replicas' current counts, "
                       "and PSI (eps 1e-4), JS distance (base 2, SciPy) and binned KS of the summed counts.")
    for feature, (edges, ref, a, b) in CASES.items():
        cur = [x + y for x, y in zip(a, b)]
        values = {"psi": psi(ref, cur),
                  "js_distance": float(jensenshannon(ref, cur, base=2)),
                  "binned_ks": binned_ks(ref, cur)}
        expected.append((feature, values))
        cases.case(feature, edges=edges, reference=[float(x) for x in ref],
                   replica_a=[float(x) for x in a], replica_b=[float(x) for x in b],
                   psi=values["psi"], js_distance=values["js_distance"], binned_ks=values["binned_ks"])
        les = [le_text(e) for e in edges] + ["+Inf"]
        lowers = ["-Inf"] + les[:-1]
        # What driftwatch::prometheus::drift_exporter writes on each replica,
        # in its order: reference buckets and count, bin info, current buckets
        # and count.
        for inst, counts in (("a", a), ("b", b)):
            base = 'instance="%s",job="ranker",model="ranker",feature="%s"' % (inst, feature)
            cum = 0
            for i, le in enumerate(les):
                cum += ref[i]
                series.append(("driftwatch_feature_reference_bucket{%s,le=\"%s\"}" % (base, le), str(cum)))
            series.append(("driftwatch_feature_reference_count{%s}" % base, str(cum)))
            for i, le in enumerate(les):
                series.append(("driftwatch_feature_bin_info{%s,lower=\"%s\",upper=\"%s\"}" % (base, lowers[i], le),
                               "1"))
            c = 0
            for i, le in enumerate(les):
                c += counts[i]
                series.append(("driftwatch_feature_value_bucket{%s,le=\"%s\"}" % (base, le), str(c)))
            series.append(("driftwatch_feature_value_count{%s}" % base, str(c)))
    cases.close()

    out = []
    w = out.append
    w("# Written by tests/reference/gen_promql_drift.py; do not edit.")
    w("# PromQL drift (examples/monitoring/rules/driftwatch_recording.yml) equals the")
    w("# reference computation on the same counts to 1e-9. Run: promtool test rules THIS_FILE")
    w("rule_files:")
    w("  - ../../examples/monitoring/rules/driftwatch_recording.yml")
    w("evaluation_interval: 1m")
    w("tests:")
    w("  - interval: 1m")
    w("    input_series:")
    for name, value in series:
        w("      - series: '%s'" % name)
        w("        values: '%sx10'" % value)
    w("    promql_expr_test:")
    for metric, rule in (("psi", "driftwatch:feature_psi:fleet"),
                         ("js_distance", "driftwatch:feature_js_distance:fleet"),
                         ("binned_ks", "driftwatch:feature_binned_ks:fleet")):
        for feature, values in expected:
            w("      - expr: 'abs(%s{feature=\"%s\"} - %s) < bool 1e-9'" % (rule, feature, repr(values[metric])))
            w("        eval_time: 5m")
            w("        exp_samples:")
            w("          - labels: '{model=\"ranker\",feature=\"%s\"}'" % feature)
            w("            value: 1")
    # An empty fleet window gives no value (absent series), never NaN.
    w("  - interval: 1m")
    w("    input_series:")
    for name, value in series:
        if "feature=\"same\"" not in name:
            continue
        if name.startswith("driftwatch_feature_value"):
            value = "0"  # the current window is empty on both replicas
        w("      - series: '%s'" % name)
        w("        values: '%sx10'" % value)
    w("    promql_expr_test:")
    for rule in ("driftwatch:feature_psi:fleet", "driftwatch:feature_js_distance:fleet",
                 "driftwatch:feature_binned_ks:fleet"):
        w("      - expr: '%s'" % rule)
        w("        eval_time: 5m")
        w("        exp_samples: []")
    with open(os.path.join(args.out, "promql_drift_test.yml"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
