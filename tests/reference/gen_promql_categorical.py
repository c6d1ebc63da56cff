#!/usr/bin/env python3
"""Reference values for the PromQL categorical drift rules
(examples/monitoring/rules/driftwatch_recording.yml, group driftwatch_category_drift).

Writes, into --out DIR:
  promql_categorical_test.yml  a `promtool test rules` unit test: two replicas
                               export per-category current counts and the shared
                               reference; the fleet-wide categorical PSI and JS
                               distance computed by the recording rules must
                               equal the values computed here from the counts
                               summed over replicas, to 1e-9 (absolute).

The input deliberately leaves series out, as PromQL vector matching would drop
them: a category present only in the current window (no reference series at
all), a category only in the reference (no current series on any replica), a
category one replica does not export, and explicit zeros as
driftwatch::prometheus::monitor_exporter writes them.

Expected values (docs/design.md): bins are the union of the categories on both
sides; PSI = sum (q - p) ln(q / p) with a zero proportion replaced by epsilon
(1e-4) on that side only, no renormalisation (NumPy, math.fsum); JS distance
from scipy.spatial.distance.jensenshannon(base=2).
"""
import argparse
import math
import os

import numpy as np
from scipy.spatial.distance import jensenshannon

EPSILON = 1e-4

# feature -> {category: (reference or None, replica a current or None,
#                        replica b current or None)}
# None means: no series at all for that category on that side / replica.
CASES = {
    # "nl" only in current (replica a), "es" only in reference, "it" not
    # exported by replica b, "pt" an exported zero reference.
    "country": {
        "de": (400, 120, 90),
        "fr": (300, 40, 60),
        "it": (200, 35, None),
        "es": (100, None, None),
        "nl": (None, 15, None),
        "pt": (0, None, 7),
    },
    # Every category exported on both sides (the exporter's own output):
    # "tablet" has zero current counts on both replicas -> epsilon on q.
    "device": {
        "mobile": (600, 70, 80),
        "desktop": (350, 30, 20),
        "tablet": (50, 0, 0),
    },
    # Same proportions: PSI and JS distance 0.
    "same": {
        "x": (10, 1, 2),
        "y": (20, 2, 4),
        "z": (30, 3, 6),
    },
    # Disjoint supports: JS distance 1, PSI large.
    "disjoint": {
        "old": (50, None, None),
        "new": (None, 4, 6),
    },
}


def vectors(cats):
    """Union of categories -> (reference counts, summed current counts)."""
    ref = np.array([float(r or 0) for r, _, _ in cats.values()])
    cur = np.array([float((a or 0) + (b or 0)) for _, a, b in cats.values()])
    return ref, cur


def psi(ref, cur):
    p = ref / ref.sum()
    q = cur / cur.sum()
    p = np.where(p == 0, EPSILON, p)
    q = np.where(q == 0, EPSILON, q)
    return math.fsum((q - p) * np.log(q / p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    series = []
    expected = []
    for feature, cats in CASES.items():
        ref, cur = vectors(cats)
        expected.append((feature, len(cats), {"psi": psi(ref, cur),
                                              "js_distance": float(jensenshannon(ref, cur, base=2))}))
        for inst, side in (("a", 1), ("b", 2)):
            base = 'instance="%s",job="ranker",model="ranker",feature="%s"' % (inst, feature)
            for category, counts in cats.items():
                labels = '%s,category="%s"' % (base, category)
                if counts[0] is not None:
                    series.append(("driftwatch_category_reference{%s}" % labels, str(counts[0])))
                if counts[side] is not None:
                    series.append(("driftwatch_category_current_total{%s}" % labels, str(counts[side])))

    out = []
    w = out.append
    w("# Written by tests/reference/gen_promql_categorical.py; do not edit.")
    w("# PromQL categorical drift (examples/monitoring/rules/driftwatch_recording.yml)")
    w("# equals the reference computation on the same counts to 1e-9, including")
    w("# categories present on one side only. Run: promtool test rules THIS_FILE")
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
    # Every category of the union is a bin on both sides.
    for rule in ("driftwatch:category_current:fraction", "driftwatch:category_reference:fraction"):
        w("      - expr: 'count by (model, feature) (%s)'" % rule)
        w("        eval_time: 5m")
        w("        exp_samples:")
        for feature, n, _ in expected:
            w("          - labels: '{model=\"ranker\",feature=\"%s\"}'" % feature)
            w("            value: %d" % n)
    for metric, rule in (("psi", "driftwatch:category_psi:fleet"),
                         ("js_distance", "driftwatch:category_js_distance:fleet")):
        for feature, _, values in expected:
            w("      - expr: 'abs(%s{feature=\"%s\"} - %s) < bool 1e-9'" % (rule, feature, repr(values[metric])))
            w("        eval_time: 5m")
            w("        exp_samples:")
            w("          - labels: '{model=\"ranker\",feature=\"%s\"}'" % feature)
            w("            value: 1")
    # An empty fleet window (every current count 0) gives no value (absent
    # series), never NaN; so does a feature without any reference series.
    w("  - interval: 1m")
    w("    input_series:")
    for name, value in series:
        if 'feature="device"' in name:
            if name.startswith("driftwatch_category_current"):
                value = "0"
        elif 'feature="same"' in name:
            if name.startswith("driftwatch_category_reference"):
                continue
        else:
            continue
        w("      - series: '%s'" % name)
        w("        values: '%sx10'" % value)
    w("    promql_expr_test:")
    for rule in ("driftwatch:category_psi:fleet", "driftwatch:category_js_distance:fleet"):
        w("      - expr: '%s'" % rule)
        w("        eval_time: 5m")
        w("        exp_samples: []")
    with open(os.path.join(args.out, "promql_categorical_test.yml"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
