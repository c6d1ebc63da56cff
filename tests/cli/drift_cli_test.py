"""End-to-end tests of `driftwatch drift`: its JSON report is recomputed here
from the same CSV files with NumPy/SciPy (docs/design.md semantics), and every bad
input must give a one-line error naming the file (and line/column) with a
non-zero exit.

Run: /usr/bin/python3 tests/cli/drift_cli_test.py --driftwatch build/dev/src/cli/driftwatch
"""

import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import scipy.spatial.distance
import scipy.stats

import drift_schema

DRIFTWATCH = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.path.join(ROOT, "examples", "data", "reference.csv")
CUR = os.path.join(ROOT, "examples", "data", "current.csv")


def run(*args):
    r = subprocess.run([DRIFTWATCH, "drift", *args], capture_output=True, text=True)
    drift_schema.check(args, r)  # every JSON report must follow docs/schema/
    return r


def read_columns(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return {name: [r[i] for r in body] for i, name in enumerate(header)}


def as_number(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def expected_feature(ref_cells, cur_cells, bins=10, eps=1e-4):
    ref_present = [c for c in ref_cells if c != ""]
    cur_present = [c for c in cur_cells if c != ""]
    numeric = all(as_number(c) is not None for c in ref_present + cur_present)
    out = {"n_missing_reference": len(ref_cells) - len(ref_present),
           "n_missing_current": len(cur_cells) - len(cur_present)}
    if numeric:
        ref = np.array([float(c) for c in ref_present])
        cur = np.array([float(c) for c in cur_present])
        ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
        edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
        a = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1).astype(float)
        b = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1).astype(float)
        ks = scipy.stats.ks_2samp(ref, cur)
        out.update(kind="numeric", n_reference=len(ref), n_current=len(cur), ks_statistic=ks.statistic,
                   ks_pvalue=ks.pvalue, wasserstein=scipy.stats.wasserstein_distance(ref, cur))
    else:
        names = list(dict.fromkeys(ref_present + cur_present))
        a = np.array([ref_present.count(n) for n in names], dtype=float)
        b = np.array([cur_present.count(n) for n in names], dtype=float)
        stat, p, dof, _ = scipy.stats.chi2_contingency(np.array([a, b]), correction=False)
        out.update(kind="categorical", n_reference=len(ref_present), n_current=len(cur_present),
                   chi2_statistic=stat, chi2_pvalue=p, chi2_dof=dof)
    p_, q_ = a / a.sum(), b / b.sum()
    p_, q_ = np.where(p_ == 0, eps, p_), np.where(q_ == 0, eps, q_)
    out["psi"] = float(np.sum((q_ - p_) * np.log(q_ / p_)))
    out["js_distance"] = float(scipy.spatial.distance.jensenshannon(a, b, base=2))
    out["js_divergence"] = out["js_distance"] ** 2
    out["hellinger"] = math.sqrt(max(0.0, 1 - float(np.sum(np.sqrt((a / a.sum()) * (b / b.sum()))))))
    pvalue = out.get("ks_pvalue", out.get("chi2_pvalue"))
    missing_change = abs(out["n_missing_current"] / len(cur_cells) - out["n_missing_reference"] / len(ref_cells))
    out["drift"] = out["psi"] > 0.2 or out["js_distance"] > 0.1 or pvalue < 0.05 or missing_change > 0.1
    return out


def close(a, b, rel, abs_=0.0):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


class DriftReport(unittest.TestCase):
    def test_json_report_matches_scipy(self):
        r = run("--reference", REF, "--current", CUR, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        report = json.loads(r.stdout)
        ref_cols, cur_cols = read_columns(REF), read_columns(CUR)
        # Every reference column is a feature; one absent from the current file
        # is reported as such (and fails a --fail-on-drift gate).
        self.assertEqual([f["name"] for f in report["features"]], list(ref_cols))
        self.assertEqual(report["only_in_reference"], ["legacy_segment"])
        self.assertEqual(report["only_in_current"], ["promo_code"])
        absent = [f for f in report["features"] if f["status"] == "absent_from_current"]
        self.assertEqual([f["name"] for f in absent], ["legacy_segment"])
        self.assertTrue(absent[0]["gate_failed"])
        for f in report["features"]:
            if f["status"] == "absent_from_current":
                continue
            with self.subTest(feature=f["name"]):
                e = expected_feature(ref_cols[f["name"]], cur_cols[f["name"]])
                for key in ("kind", "n_reference", "n_current", "n_missing_reference", "n_missing_current", "drift"):
                    self.assertEqual(f[key], e[key], key)
                for key in ("psi", "js_distance", "js_divergence"):
                    self.assertTrue(close(f[key], e[key], 1e-12), (key, f[key], e[key]))
                # NumPy's 1 - sum(sqrt(pq)) loses digits to cancellation; ours does not.
                self.assertTrue(close(f["hellinger"], e["hellinger"], 1e-9), (f["hellinger"], e["hellinger"]))
                if e["kind"] == "numeric":
                    self.assertTrue(close(f["ks_statistic"], e["ks_statistic"], 0, 1e-12))
                    self.assertTrue(close(f["ks_pvalue"], e["ks_pvalue"], 0, 1e-5), (f["ks_pvalue"], e["ks_pvalue"]))
                    self.assertTrue(close(f["wasserstein"], e["wasserstein"], 1e-12))
                else:
                    self.assertTrue(close(f["chi2_statistic"], e["chi2_statistic"], 1e-9))
                    self.assertTrue(close(f["chi2_pvalue"], e["chi2_pvalue"], 1e-9, 1e-300))
                    self.assertEqual(f["chi2_dof"], e["chi2_dof"])

    def test_numbers_are_printed_in_full_precision(self):
        r = run("--reference", REF, "--current", CUR, "--format", "json")
        report = json.loads(r.stdout)
        psi = report["features"][0]["psi"]
        # A shortest round-trip form has more than the 6 digits of %g for a generic double.
        self.assertGreater(len(repr(psi).replace("0.", "").lstrip("0")), 10)
        self.assertIn(repr(psi), r.stdout)

    def test_text_report_marks_drifted_features(self):
        r = run("--reference", REF, "--current", CUR)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        marked = [l.split()[1] for l in lines if l.startswith("*")]
        report = json.loads(run("--reference", REF, "--current", CUR, "--format", "json").stdout)
        self.assertEqual(marked, [f["name"] for f in report["features"] if f["drift"]])
        self.assertTrue(marked, "the example data is meant to show drift")
        self.assertIn("only in the reference", r.stdout)
        self.assertIn("only in the current file", r.stdout)

    def test_fail_on_drift_exit_status(self):
        self.assertEqual(run("--reference", REF, "--current", CUR, "--fail-on-drift").returncode, 3)
        self.assertEqual(run("--reference", REF, "--current", REF, "--fail-on-drift").returncode, 0)

    def test_uniform_binning_and_options(self):
        r = run("--reference", REF, "--current", CUR, "--format", "json", "--bins", "5", "--binning", "uniform",
                "--epsilon", "1e-6")
        self.assertEqual(r.returncode, 0, r.stderr)
        f = json.loads(r.stdout)["features"][0]
        ref = np.array([float(c) for c in read_columns(REF)["basket_value"]])
        cur = np.array([float(c) for c in read_columns(CUR)["basket_value"]])
        edges = np.linspace(ref.min(), ref.max(), 6)[1:-1]
        a = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=5) / len(ref)
        b = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=5) / len(cur)
        a, b = np.where(a == 0, 1e-6, a), np.where(b == 0, 1e-6, b)
        self.assertTrue(close(f["psi"], float(np.sum((b - a) * np.log(b / a))), 1e-12))


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def assert_error(self, result, *needles, code=1):
        self.assertEqual(result.returncode, code, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")
        first = result.stderr.splitlines()[0]
        for n in needles:
            self.assertIn(n, first)

    def test_missing_file(self):
        missing = os.path.join(self.tmp.name, "nope.csv")
        self.assert_error(run("--reference", missing, "--current", CUR), missing, "cannot open")

    def test_empty_file(self):
        empty = self.write("empty.csv", "")
        self.assert_error(run("--reference", REF, "--current", empty), empty, "empty")

    def test_no_common_columns(self):
        other = self.write("other.csv", "x,y\n1,2\n")
        self.assert_error(run("--reference", REF, "--current", other), "no column is present in both")

    def test_reference_column_without_values(self):
        ref = self.write("ref.csv", "a,b\n1,\n2,\n")
        cur = self.write("cur.csv", "a,b\n1,3\n")
        self.assert_error(run("--reference", ref, "--current", cur), ref, "column 'b' has no values")

    def test_wrong_number_of_fields(self):
        bad = self.write("bad.csv", "basket_value,b\n1,2\n3\n")
        self.assert_error(run("--reference", REF, "--current", bad), bad + ":3:", "1 fields but the header has 2")

    def test_malformed_quoting(self):
        bad = self.write("quote.csv", 'a,b\n1,x"y\n')
        self.assert_error(run("--reference", bad, "--current", CUR), bad + ":2:4:", "quote inside an unquoted field")
        bad2 = self.write("quote2.csv", 'a,b\n1,"open\n2,3\n')
        self.assert_error(run("--reference", bad2, "--current", CUR), bad2 + ":2:3:", "never closed")
        bad3 = self.write("quote3.csv", 'a,b\n1,"x"y\n')
        self.assert_error(run("--reference", bad3, "--current", CUR), bad3 + ":2:6:", "after a closing quote")

    def test_bad_options(self):
        self.assert_error(run("--reference", REF), "--current is required", code=2)
        self.assert_error(run("--reference", REF, "--current", CUR, "--bins", "0"), "--bins", code=2)
        self.assert_error(run("--reference", REF, "--current", CUR, "--binning", "magic"), "quantile or uniform", code=2)
        self.assert_error(run("--reference", REF, "--current", CUR, "--format", "xml"), "--format", code=2)
        self.assert_error(run("--reference", REF, "--current", CUR, "--epsilon", "2"), "--epsilon", code=2)
        self.assert_error(run("--reference", REF, "--current", CUR, "--frobnicate"), "unknown option", code=2)

    def test_rfc4180_quoting_crlf_and_nan(self):
        ref = self.write("ref.csv", 'name,"v,1"\r\n"a ""x""",1\r\n"b\nc",2\r\nd,nan\r\ne,3\r\n')
        cur = self.write("cur.csv", 'v,1,other\n')  # unquoted: columns v and 1, none in common
        self.assert_error(run("--reference", ref, "--current", cur), "no column")
        cur = self.write("cur2.csv", '"v,1",name\n5,"a ""x"""\ninf,z\n,q\n')
        r = run("--reference", ref, "--current", cur, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        feats = {f["name"]: f for f in json.loads(r.stdout)["features"]}
        self.assertEqual(feats["v,1"]["kind"], "numeric")
        self.assertEqual(feats["v,1"]["n_reference"], 3)
        self.assertEqual(feats["v,1"]["n_invalid_reference"], 1)
        self.assertEqual(feats["v,1"]["n_invalid_current"], 1)
        self.assertEqual(feats["v,1"]["n_missing_current"], 1)
        self.assertEqual(feats["name"]["kind"], "categorical")
        self.assertEqual(feats["name"]["n_reference"], 4)


# ---- --format prometheus ----------------------------------------------------
PROMTOOL = shutil.which("promtool")
SAMPLE_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """{(name, frozenset(labels.items())): value} of a 0.0.4 exposition (no
    timestamps, which driftwatch never writes)."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_LINE.match(line)
        if not m:
            raise AssertionError("not a sample line: %r" % line)
        labels = dict(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


class PrometheusFormat(unittest.TestCase):
    """--format prometheus prints what monitor_exporter exports; the values
    are the JSON report's."""

    def exposition(self, *extra):
        r = run("--reference", REF, "--current", CUR, "--format", "prometheus", "--model", "ranker", *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_promtool_accepts_the_exposition(self):
        if PROMTOOL is None:
            self.skipTest("promtool is not installed (Debian package prometheus)")
        for extra in ((), ("--max-categories", "1"), ("--bins", "3", "--binning", "uniform")):
            text = self.exposition(*extra)
            checked = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
            self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_values_equal_the_json_report(self):
        s = parse_exposition(self.exposition())
        report = json.loads(run("--reference", REF, "--current", CUR, "--format", "json").stdout)
        for f in report["features"]:
            if f["status"] == "absent_from_current":
                continue
            with self.subTest(feature=f["name"]):
                name, m = f["name"], "ranker"
                self.assertEqual(value(s, "driftwatch_feature_info", model=m, feature=name, kind=f["kind"]), 1)
                self.assertEqual(value(s, "driftwatch_feature_missing_total", model=m, feature=name),
                                 f["n_missing_current"])
                self.assertEqual(value(s, "driftwatch_feature_drift", model=m, feature=name), float(f["drift"]))
                if f["kind"] == "numeric":
                    self.assertEqual(value(s, "driftwatch_feature_value_bucket", model=m, feature=name, le="+Inf"),
                                     f["n_current"])
                    self.assertEqual(value(s, "driftwatch_feature_reference_bucket", model=m, feature=name,
                                           le="+Inf"), f["n_reference"])
                    self.assertEqual(value(s, "driftwatch_feature_invalid_total", model=m, feature=name),
                                     f["n_invalid_current"])
                    self.assertTrue(close(value(s, "driftwatch_feature_psi", model=m, feature=name), f["psi"], 1e-12))
                    self.assertTrue(close(value(s, "driftwatch_feature_js_distance", model=m, feature=name),
                                          f["js_distance"], 1e-12))
                    self.assertTrue(close(value(s, "driftwatch_feature_ks_statistic", model=m, feature=name),
                                          f["ks_statistic"], 1e-12))
                    self.assertTrue(close(value(s, "driftwatch_feature_ks_p_value", model=m, feature=name),
                                          f["ks_pvalue"], 1e-12, 1e-300))
                else:
                    current = sum(v for (n, l), v in s.items()
                                  if n == "driftwatch_category_current_total" and ("feature", name) in l)
                    reference = sum(v for (n, l), v in s.items()
                                    if n == "driftwatch_category_reference" and ("feature", name) in l)
                    self.assertEqual(current, f["n_current"])
                    self.assertEqual(reference, f["n_reference"])
                    self.assertTrue(close(value(s, "driftwatch_category_psi", model=m, feature=name), f["psi"], 1e-12))
                    self.assertTrue(close(value(s, "driftwatch_category_js_distance", model=m, feature=name),
                                          f["js_distance"], 1e-12))
                    self.assertTrue(close(value(s, "driftwatch_category_chi2_statistic", model=m, feature=name),
                                          f["chi2_statistic"], 1e-12))
                    self.assertTrue(close(value(s, "driftwatch_category_chi2_p_value", model=m, feature=name),
                                          f["chi2_pvalue"], 1e-12, 1e-300))

    def test_category_counts_and_cap(self):
        ref_cols, cur_cols = read_columns(REF), read_columns(CUR)
        s = parse_exposition(self.exposition())
        for c in sorted(set(x for x in cur_cols["country"] if x)):
            self.assertEqual(value(s, "driftwatch_category_current_total", model="ranker", feature="country",
                                   category=c), sum(1 for x in cur_cols["country"] if x == c), c)
        capped = parse_exposition(self.exposition("--max-categories", "1"))
        series = [dict(l)["category"] for (n, l) in capped
                  if n == "driftwatch_category_current_total" and ("feature", "country") in l]
        self.assertEqual(len(series), 2)
        self.assertIn("__other__", series)
        n_categories = len(set(x for x in ref_cols["country"] + cur_cols["country"] if x))
        self.assertEqual(value(capped, "driftwatch_category_folded", model="ranker", feature="country"),
                         n_categories - 1)

    def test_openmetrics_and_bad_options(self):
        r = run("--reference", REF, "--current", CUR, "--format", "openmetrics")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith("# EOF\n"))
        self.assertIn('model="default"', r.stdout)
        bad = run("--reference", REF, "--current", CUR, "--format", "prometheus", "--max-categories", "0")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--max-categories", bad.stderr)
        self.assertEqual(run("--reference", REF, "--current", CUR, "--format", "prometheus",
                             "--fail-on-drift").returncode, 3)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--driftwatch", required=True)
    args, rest = ap.parse_known_args()
    DRIFTWATCH = os.path.abspath(args.driftwatch)
    result = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False).result
    print("JSON reports validated against docs/schema/drift-report.schema.json: %d" % drift_schema.validated)
    if result.wasSuccessful() and drift_schema.validated == 0 and not rest:
        sys.exit("no JSON report was validated")
    sys.exit(0 if result.wasSuccessful() else 1)
