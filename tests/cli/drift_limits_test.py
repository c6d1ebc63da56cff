"""`driftwatch drift` at the edges a release gate meets (issue 11 and 15):
exact KS/W1 beyond 2^20 values, every limit visible in every format, numerals
beyond double's range, extreme references, the fail-closed gate and its exit
codes, column control and the YAML config, UTF-8 output, gzip and stdin input,
the progress line. References come from NumPy/SciPy. Every JSON report is
validated against docs/schema/drift-report.schema.json.

Run: /usr/bin/python3 tests/cli/drift_limits_test.py --driftwatch build/dev/src/cli/driftwatch
(about 10 s; the > 2^20-row case dominates).
"""

import argparse
import gzip
import json
import math
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import scipy.spatial.distance
import scipy.stats

import drift_schema

DRIFTWATCH = None
PROMTOOL = shutil.which("promtool")


def run(*args, stdin=None, text=True):
    r = subprocess.run([DRIFTWATCH, "drift", *args], capture_output=True, text=text, input=stdin)
    if text:
        drift_schema.check(args, r)
    return r


def report(*args):
    r = run(*args, "--format", "json")
    if r.returncode not in (0, 3, 4):
        raise AssertionError(r.stderr)
    return json.loads(r.stdout), r.returncode


def feature(rep, name):
    return next(f for f in rep["features"] if f["name"] == name)


def samples(exposition):
    out = {}
    for line in exposition.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, value = line.rsplit(" ", 1)
        out[name_labels] = float(value)
    return out


def close(a, b, rel, abs_=0.0):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text, mode="w"):
        path = os.path.join(self.tmp.name, name)
        with open(path, mode, **({"newline": ""} if mode == "w" else {})) as f:
            f.write(text)
        return path

    def column(self, name, header, values):
        return self.write(name, header + "\n" + "\n".join(values) + "\n")

    def promtool_ok(self, text):
        if PROMTOOL is None:
            return
        c = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)


class ExactAtAnySize(Tmp):
    """Issue 11 point 1: > 2^20 current values with a shifted tail."""

    @classmethod
    def setUpClass(cls):
        rng = np.random.default_rng(11)
        cls.ref = np.round(rng.normal(0, 1, 20000), 6)
        cur = rng.normal(0, 1, 1_100_000)
        cur[-300_000:] += 3  # only the tail moves: the first 2^20 alone would hide most of it
        cls.cur = np.round(cur, 6)
        cls.dir = tempfile.TemporaryDirectory()
        cls.ref_path = os.path.join(cls.dir.name, "ref.csv")
        cls.cur_path = os.path.join(cls.dir.name, "cur.csv")
        for path, x in ((cls.ref_path, cls.ref), (cls.cur_path, cls.cur)):
            with open(path, "w") as f:
                f.write("x\n" + "\n".join(map(repr, x.tolist())) + "\n")
        cls.ks = scipy.stats.ks_2samp(cls.ref, cls.cur)
        cls.w1 = scipy.stats.wasserstein_distance(cls.ref, cls.cur)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_every_value_counts(self):
        rep, code = report("--reference", self.ref_path, "--current", self.cur_path, "--fail-on-drift")
        self.assertEqual(code, 3)
        f = rep["features"][0]
        self.assertEqual(f["n_current"], 1_100_000)
        self.assertTrue(close(f["ks_statistic"], self.ks.statistic, 0, 1e-12), (f["ks_statistic"], self.ks.statistic))
        self.assertLess(abs(f["ks_pvalue"] - self.ks.pvalue), 1e-12)
        self.assertTrue(close(f["wasserstein"], self.w1, 1e-9), (f["wasserstein"], self.w1))
        self.assertTrue(f["wasserstein_exact"])
        self.assertEqual(f["wasserstein_error_bound"], 0)
        self.assertEqual(f["limits"]["current"]["truncated"], 0)

    def test_beyond_the_memory_budget_ks_stays_exact_and_w1_states_its_bound(self):
        args = ("--reference", self.ref_path, "--current", self.cur_path, "--memory-budget", "1M")
        rep, _ = report(*args)
        f = rep["features"][0]
        self.assertTrue(f["current_values_summarised"])
        self.assertEqual(f["n_current"], 1_100_000)
        self.assertTrue(close(f["ks_statistic"], self.ks.statistic, 0, 1e-12))
        self.assertLess(abs(f["ks_pvalue"] - self.ks.pvalue), 1e-12)
        self.assertFalse(f["wasserstein_exact"])
        bound = f["wasserstein_error_bound"]
        self.assertLessEqual(abs(f["wasserstein"] - self.w1), bound + 1e-9 * self.w1)
        self.assertLess(bound, 0.01 * self.w1)  # the bound is useful, not vacuous
        text = run(*args).stdout
        self.assertIn("approximate, error <= ", text)
        prom = samples(run(*args, "--format", "prometheus").stdout)
        self.assertTrue(close(prom['driftwatch_feature_wasserstein_error_bound{model="default",feature="x"}'],
                              bound, 1e-12))


class EveryLimitVisible(Tmp):
    """Issue 11 point 3: category overflow, invalid and missing counts per
    feature and side in text, JSON and Prometheus."""

    def test_category_overflow_is_counted_and_pooled(self):
        ref = self.column("ref.csv", "c", ["a"] * 50 + ["b"] * 30 + ["c"] * 20 + ["d"] * 10 + [""] * 5)
        cur = self.column("cur.csv", "c", ["a"] * 40 + ["b"] * 30 + ["e"] * 25 + ["f"] * 5 + [""] * 2)
        args = ("--reference", ref, "--current", cur, "--max-distinct", "2")
        rep, _ = report(*args)
        f = rep["features"][0]
        self.assertEqual(f["limits"]["reference"]["category_overflow"], 30)  # c and d
        self.assertEqual(f["limits"]["current"]["category_overflow"], 30)    # e and f
        self.assertEqual(f["n_reference"], 110)  # nothing vanishes
        self.assertEqual(f["n_current"], 100)
        # The metrics see the overflow as one pooled category.
        table = np.array([[50, 30, 30], [40, 30, 30]], dtype=float)
        stat, p, dof, _ = scipy.stats.chi2_contingency(table, correction=False)
        self.assertTrue(close(f["chi2_statistic"], stat, 1e-9))
        self.assertEqual(f["chi2_dof"], dof)
        text = run(*args).stdout
        self.assertRegex(text, r"\nc\s+5 \| 2\s+0 \| 0\s+0 \| 0\s+30 \| 30\s+0 \| 0")
        prom = samples(run(*args, "--format", "prometheus").stdout)
        for side, n in (("reference", 30), ("current", 30)):
            self.assertEqual(prom['driftwatch_feature_limit{model="default",feature="c",side="%s",limit="category_overflow"}'
                                  % side], n)
        self.assertEqual(prom['driftwatch_feature_limit{model="default",feature="c",side="reference",limit="missing"}'], 5)
        self.assertEqual(prom['driftwatch_category_overflow_total{model="default",feature="c"}'], 30)
        # Without the cap, every category is its own.
        self.assertEqual(feature(report("--reference", ref, "--current", cur)[0], "c")["limits"]["current"]
                         ["category_overflow"], 0)

    def test_invalid_values_per_side_in_every_format(self):
        ref = self.column("ref.csv", "x", [str(v) for v in range(1, 200)] + ["nan", "inf", "oops", ""])
        cur = self.column("cur.csv", "x", [str(v) for v in range(3, 200)] + ["1e400", "-inf", "+-5", "n/a", "", ""])
        args = ("--reference", ref, "--current", cur)
        f = report(*args)[0]["features"][0]
        self.assertEqual(f["kind"], "numeric")
        self.assertEqual(f["limits"]["reference"], {"rows": 203, "valid": 199, "missing": 1, "invalid": 3,
                                                    "non_finite": 2, "non_numeric": 1, "category_overflow": 0,
                                                    "truncated": 0})
        self.assertEqual(f["limits"]["current"], {"rows": 203, "valid": 197, "missing": 2, "invalid": 4,
                                                  "non_finite": 2, "non_numeric": 2, "category_overflow": 0,
                                                  "truncated": 0})
        self.assertEqual(f["n_invalid_current"], 4)
        text = run(*args).stdout
        self.assertRegex(text, r"\nx\s+1 \| 2\s+2 \| 2\s+1 \| 2\s")
        prom = run(*args, "--format", "prometheus").stdout
        s = samples(prom)
        for side, lim, n in (("reference", "non_finite", 2), ("reference", "non_numeric", 1), ("current", "non_finite", 2),
                             ("current", "non_numeric", 2), ("current", "missing", 2), ("reference", "missing", 1)):
            self.assertEqual(s['driftwatch_feature_limit{model="default",feature="x",side="%s",limit="%s"}' % (side, lim)],
                             n, (side, lim))
        self.assertEqual(s['driftwatch_feature_invalid_total{model="default",feature="x"}'], 4)
        self.promtool_ok(prom)


class ExtremeValues(Tmp):
    """Issue 11 point 4 (the command's part)."""

    def test_numerals_beyond_double_range_read_like_float(self):
        cells = ["1", "2.5", "1e-400", "1e400", "-1e400", "3", "4", "5"]
        ref = self.column("ref.csv", "x", cells)
        cur = self.column("cur.csv", "x", ["1", "2", "+-5", "2e-324", "7"])
        f = report("--reference", ref, "--current", cur, "--min-samples", "0")[0]["features"][0]
        self.assertEqual(f["kind"], "numeric")  # one overflow does not turn the column into text
        self.assertEqual(f["limits"]["reference"]["non_finite"], 2)
        self.assertEqual(f["n_reference"], 6)
        self.assertEqual(f["limits"]["current"]["non_numeric"], 1)  # +-5 is text
        ref_values = np.array([float(c) for c in cells])
        ref_values = ref_values[np.isfinite(ref_values)]
        self.assertIn(0.0, ref_values.tolist())
        cur_values = np.array([1.0, 2.0, float("2e-324"), 7.0])
        self.assertTrue(close(f["ks_statistic"], scipy.stats.ks_2samp(ref_values, cur_values).statistic, 0, 1e-12))
        self.assertTrue(close(f["wasserstein"], scipy.stats.wasserstein_distance(ref_values, cur_values), 1e-12))

    def test_reference_spanning_more_than_dbl_max(self):
        big = ["-1.7e308", "-1e308", "0", "1e308", "1.7e308", "1.5e308", "-1.5e308", "5"]
        ref = self.column("ref.csv", "x", big)
        cur = self.column("cur.csv", "x", ["-1.7e308", "1.7e308", "0", "1"])
        for binning in ("quantile", "uniform"):
            args = ("--reference", ref, "--current", cur, "--min-samples", "0", "--binning", binning, "--bins", "4")
            f = report(*args)[0]["features"][0]
            edges = f["bin_edges"]
            self.assertTrue(all(math.isfinite(e) for e in edges), edges)
            self.assertTrue(all(a < b for a, b in zip(edges, edges[1:])), edges)
            values = np.array([float(c) for c in big])
            with np.errstate(all="ignore"):
                expected = (np.unique(np.quantile(values, np.arange(1, 4) / 4)) if binning == "quantile"
                            else np.linspace(values.min(), values.max(), 5)[1:-1])
            for e in expected:
                if math.isfinite(e):  # equal to NumPy wherever NumPy is finite
                    self.assertIn(e, edges)
            for fmt in ("prometheus", "openmetrics", "text"):
                r = run(*args, "--format", fmt)
                self.assertEqual(r.returncode, 0, r.stderr)
            self.promtool_ok(run(*args, "--format", "prometheus").stdout)

    def test_wasserstein_overflow_is_inf_like_scipy(self):
        ref = self.column("ref.csv", "x", ["-1.7e308", "1.7e308"])
        cur = self.column("cur.csv", "x", ["-1.7e308", "-1.7e308", "1.7e308"])
        with np.errstate(all="ignore"):
            self.assertEqual(scipy.stats.wasserstein_distance([-1.7e308, 1.7e308], [-1.7e308, -1.7e308, 1.7e308]),
                             math.inf)
        args = ("--reference", ref, "--current", cur, "--min-samples", "0")
        f = report(*args)[0]["features"][0]
        self.assertEqual(f["wasserstein"], "inf")
        text = run(*args).stdout
        self.assertRegex(text, r"\bx\s+num.*\binf\b")
        prom = run(*args, "--format", "prometheus").stdout
        self.assertIn('driftwatch_feature_wasserstein{model="default",feature="x"} +Inf', prom)
        self.promtool_ok(prom)

    def test_uniform_edges_over_a_subnormal_range_match_linspace(self):
        ref = self.column("ref.csv", "x", ["0", "5e-324", "1e-323", "2e-323", "2.5e-323"])
        cur = self.column("cur.csv", "x", ["0", "1e-323"])
        f = report("--reference", ref, "--current", cur, "--binning", "uniform", "--bins", "5", "--min-samples", "0")[0]
        expected = np.unique(np.linspace(0.0, 2.5e-323, 6)[1:-1]).tolist()
        self.assertEqual(f["features"][0]["bin_edges"], expected)
        self.assertGreater(len(expected), 1)


class NumeralKeys(Tmp):
    """Issue 15: short decimals are kept as 32-bit order keys and sorted as
    such (src/cli/drift_numbers.hpp); any other numeral turns its column into
    doubles. Both forms, and a column that switches between them, must give
    SciPy's numbers on float() of the same cells (about 1 s)."""

    def expect(self, f, ref_cells, cur_cells):
        ref = np.array([float(c) for c in ref_cells if c.strip()])
        cur = np.array([float(c) for c in cur_cells if c.strip()])
        ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
        self.assertEqual(f["kind"], "numeric")
        self.assertEqual((f["n_reference"], f["n_current"]), (len(ref), len(cur)))
        ks = scipy.stats.ks_2samp(ref, cur)
        self.assertTrue(close(f["ks_statistic"], ks.statistic, 0, 1e-12), (f["ks_statistic"], ks.statistic))
        self.assertLess(abs(f["ks_pvalue"] - ks.pvalue), 1e-9)
        w1 = scipy.stats.wasserstein_distance(ref, cur)
        self.assertTrue(close(f["wasserstein"], w1, 1e-12), (f["wasserstein"], w1))
        edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
        self.assertEqual(f["bin_edges"], edges.tolist())
        a = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1).astype(float)
        b = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1).astype(float)
        # 1e-9: SciPy's JS of two near-equal histograms loses digits to cancellation (the old tool agrees with us).
        js = float(scipy.spatial.distance.jensenshannon(a, b, base=2))
        self.assertTrue(close(f["js_distance"], js, 1e-9), (f["js_distance"], js))

    def test_edge_numerals_and_a_column_switching_to_doubles(self):
        # Keyed: up to 7 significant digits, decimal exponent -16..28, +0.
        # Not keyed: -0, 8+ digits, exponents outside, whitespace, nan/inf.
        # Equal doubles written both ways (0.5 / 5.0000000000e-1) must tie.
        keyed = ["0", "+0.0", ".5", "5.", "5e-1", "1E+2", "1234567", "-1234567", "0.0001234567", "9.999999e28",
                 "1e-16", "-3.5", "100", "1.000000", "0.000", "7e0", "-.25", "2.5E-3"]
        plain = ["-0", "-0.0", "12345678", "0.50000000000", "1e-17", "1e29", " 3 ", "nan", "-inf", "5.0000000000e-1",
                 "1.00000001", "123456789012345678901234567890"]
        rng = np.random.default_rng(15)
        ref_cells = [str(x) for x in np.round(rng.normal(0, 2, 300), 4).tolist()] + keyed
        cur_keyed = [str(x) for x in np.round(rng.normal(0.3, 2, 300), 4).tolist()] + keyed
        for first, second, name in ((ref_cells, cur_keyed + plain, "current switches"),
                                    (ref_cells + plain, cur_keyed, "reference switches"),
                                    (ref_cells + plain, cur_keyed + plain, "both switch"),
                                    (ref_cells, cur_keyed, "all keyed")):
            with self.subTest(name):
                ref = self.column("ref.csv", "x", first)
                cur = self.column("cur.csv", "x", second)
                self.expect(report("--reference", ref, "--current", cur)[0]["features"][0], first, second)

    def test_dense_seven_digit_values_sort_like_numpy(self):
        # 300,000 values with 7 digits in [1, 10): buckets of the key sort
        # large enough for its in-bucket radix passes, and many ties.
        rng = np.random.default_rng(16)
        ref_cells = ["%.6f" % x for x in rng.uniform(1, 10, 300_000).tolist()]
        cur_cells = ["%.6f" % x for x in rng.uniform(1.001, 10, 200_000).tolist()] + ["%.2f" % x for x in
                                                                                    rng.uniform(1, 10, 100).tolist()]
        ref = self.column("ref.csv", "x", ref_cells)
        cur = self.column("cur.csv", "x", cur_cells)
        self.expect(report("--reference", ref, "--current", cur)[0]["features"][0], ref_cells, cur_cells)


class SafeGate(Tmp):
    """Issue 11 point 5: --fail-on-drift fails closed; every exit code."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(5)
        rows = ["%r,%s" % (v, "ab"[i % 2]) for i, v in enumerate(np.round(rng.normal(0, 1, 400), 4).tolist())]
        self.ref = self.write("ref.csv", "x,c\n" + "\n".join(rows) + "\n")
        self.same = self.write("same.csv", "x,c\n" + "\n".join(rows[:300]) + "\n")

    def gate(self, cur, *extra):
        return run("--reference", self.ref, "--current", cur, "--fail-on-drift", *extra).returncode

    def test_same_data_passes(self):
        self.assertEqual(self.gate(self.same), 0)

    def test_header_only_current_fails(self):
        cur = self.write("empty.csv", "x,c\n")
        self.assertEqual(self.gate(cur), 4)
        rep, code = report("--reference", self.ref, "--current", cur, "--fail-on-drift")
        self.assertEqual(code, 4)
        self.assertEqual(rep["exit_code"], 4)
        self.assertEqual({f["status"] for f in rep["features"]}, {"no_valid_values"})
        self.assertEqual(self.gate(cur, "--allow-empty-features", "--missing-rate-threshold", "inf"), 0)

    def test_absent_reference_column_fails(self):
        cur = self.write("cur.csv", "x\n" + "\n".join(l.split(",")[0] for l in open(self.same).read().split("\n")[1:] if l) + "\n")
        self.assertEqual(self.gate(cur), 4)
        self.assertIn("ABSENT", run("--reference", self.ref, "--current", cur).stdout)
        self.assertEqual(self.gate(cur, "--allow-missing-columns"), 0)

    def test_too_few_current_values_is_insufficient(self):
        ref = self.column("r2.csv", "x", ["1", "1"])
        cur = self.column("c2.csv", "x", ["1"])
        self.assertEqual(run("--reference", ref, "--current", cur, "--fail-on-drift").returncode, 4)
        # 1 row against 2 that differ: the gate fails either way (3: drift wins over 4).
        self.assertNotEqual(run("--reference", self.column("r3.csv", "x", ["1", "2"]), "--current", cur,
                                "--fail-on-drift").returncode, 0)
        rep, _ = report("--reference", ref, "--current", cur)
        self.assertEqual(rep["features"][0]["status"], "insufficient_data")
        self.assertEqual(run("--reference", ref, "--current", cur, "--fail-on-drift", "--min-samples", "1").returncode, 0)
        cur150 = self.write("c150.csv", "x,c\n" + "\n".join(open(self.same).read().split("\n")[1:151]) + "\n")
        self.assertEqual(self.gate(cur150, "--min-samples", "200"), 4)
        self.assertEqual(self.gate(cur150), 0)

    def test_missing_rate_change_is_drift(self):
        lines = open(self.same).read().split("\n")[1:301]
        holes = ["," + l.split(",")[1] if i % 3 == 0 else l for i, l in enumerate(lines)]  # a third of x missing
        cur = self.write("holes.csv", "x,c\n" + "\n".join(holes) + "\n")
        rep, code = report("--reference", self.ref, "--current", cur, "--fail-on-drift")
        self.assertEqual(code, 3)
        self.assertEqual(feature(rep, "x")["drift_reasons"], ["missing_rate"])
        self.assertTrue(close(feature(rep, "x")["missing_rate_current"], 100 / 300, 1e-12))
        self.assertEqual(self.gate(cur, "--missing-rate-threshold", "0.5"), 0)

    def test_drift_exit_code_and_help_lists_every_code(self):
        shifted = self.write("shift.csv", "x,c\n" + "\n".join("%r,a" % (i / 10 + 5) for i in range(300)) + "\n")
        self.assertEqual(self.gate(shifted), 3)
        self.assertEqual(run("--reference", self.ref, "--current", shifted).returncode, 0)  # no gate asked
        help_text = run("--help").stdout
        for code in ("0", "1", "2", "3", "4"):
            self.assertRegex(help_text, r"\n  %s  " % code)
        readme = open(os.path.join(drift_schema.ROOT, "README.md")).read()
        for code in ("3", "4"):
            self.assertIn("| %s |" % code, readme)

    def test_summary_line_names_each_alpha(self):
        r = run("--reference", self.ref, "--current", self.same, "--ks-alpha", "0.01", "--chi2-alpha", "0.02")
        self.assertIn("KS p < 0.01, chi2 p < 0.02", r.stdout)


class ColumnControl(Tmp):
    """Issue 11 point 6: --columns, --exclude, --numeric, --categorical, YAML."""

    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(6)
        rows = ["%d,%r,%d,%s" % (i, v, i % 4, "xyz"[i % 3]) for i, v in enumerate(np.round(rng.normal(0, 1, 300), 4).tolist())]
        self.ref = self.write("ref.csv", "id,v,code,c\n" + "\n".join(rows) + "\n")
        rows2 = ["%d,%r,%d,%s" % (i + 1000, v, i % 4, "xyz"[i % 3]) for i, v in enumerate(np.round(rng.normal(0, 1, 300), 4).tolist())]
        self.cur = self.write("cur.csv", "id,v,code,c\n" + "\n".join(rows2) + "\n")

    def test_columns_exclude_and_kinds(self):
        rep, _ = report("--reference", self.ref, "--current", self.cur, "--exclude", "id")
        self.assertEqual([f["name"] for f in rep["features"]], ["v", "code", "c"])
        self.assertEqual(rep["excluded"], ["id"])
        rep, _ = report("--reference", self.ref, "--current", self.cur, "--columns", "v,code", "--categorical", "code")
        self.assertEqual([(f["name"], f["kind"], f["kind_source"]) for f in rep["features"]],
                         [("v", "numeric", "inferred"), ("code", "categorical", "command line")])
        self.assertEqual(feature(rep, "code")["chi2_dof"], 3)
        r = run("--reference", self.ref, "--current", self.cur, "--numeric", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("'nope'", r.stderr.splitlines()[0])
        r = run("--reference", self.ref, "--current", self.cur, "--columns", "v,ghost")
        self.assertEqual(r.returncode, 2)
        self.assertIn("'ghost'", r.stderr.splitlines()[0])

    def test_forced_numeric_counts_text_as_invalid(self):
        ref = self.column("r.csv", "x", ["a", "b", "1", "2"])
        cur = self.column("c.csv", "x", ["1", "b", "2", "3"])
        self.assertEqual(report("--reference", ref, "--current", cur)[0]["features"][0]["kind"], "categorical")
        f = report("--reference", ref, "--current", cur, "--numeric", "x", "--min-samples", "0")[0]["features"][0]
        self.assertEqual((f["kind"], f["n_reference"], f["limits"]["reference"]["non_numeric"],
                          f["limits"]["current"]["non_numeric"]), ("numeric", 2, 2, 1))

    def test_a_stray_text_cell_does_not_flip_a_numeric_column(self):
        values = [str(i) for i in range(500)]
        ref = self.column("r.csv", "x", values[:250] + ["oops"] + values[250:])
        cur = self.column("c.csv", "x", values)
        f = report("--reference", ref, "--current", cur)[0]["features"][0]
        self.assertEqual(f["kind"], "numeric")
        self.assertEqual(f["limits"]["reference"]["non_numeric"], 1)

    def test_a_column_that_turns_text_late_is_read_again_as_categories(self):
        # The first 1,100 cells are numerals (the kind looks numeric early on),
        # the next 1,500 text: the majority is text, so the reference is read
        # again to count its categories.
        cells = [str(i) for i in range(1100)] + ["t%d" % (i % 7) for i in range(1500)]
        ref = self.column("r.csv", "x", cells)
        cur = self.column("c.csv", "x", ["t1"] * 150 + ["5"] * 50)
        f = report("--reference", ref, "--current", cur)[0]["features"][0]
        self.assertEqual((f["kind"], f["n_reference"], f["categories"]), ("categorical", 2600, 1107))
        names = list(dict.fromkeys(cells))
        cur_cells = ["t1"] * 150 + ["5"] * 50
        table = np.array([[cells.count(n) for n in names], [cur_cells.count(n) for n in names]], dtype=float)
        stat, p, dof, _ = scipy.stats.chi2_contingency(table, correction=False)
        self.assertTrue(close(f["chi2_statistic"], stat, 1e-9))
        with open(ref) as stdin:
            r = subprocess.run([DRIFTWATCH, "drift", "--reference", "-", "--current", cur], stdin=stdin,
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--categorical", r.stderr)

    def test_yaml_config(self):
        cfg = self.write("drift.yaml", """\
version: 1
bins: 5
thresholds:
  psi: 0.3
exclude: [id]
features:
  code:
    kind: categorical
    thresholds: {chi2_alpha: 0.01}
  v:
    bins: 20
    binning: uniform
    min_samples: 10
""")
        rep, _ = report("--reference", self.ref, "--current", self.cur, "--config", cfg, "--ks-alpha", "0.02")
        self.assertEqual([f["name"] for f in rep["features"]], ["v", "code", "c"])
        v, code, c = rep["features"]
        self.assertEqual((v["settings"]["bins"], v["settings"]["binning"], v["settings"]["min_samples"]), (20, "uniform", 10))
        self.assertEqual(len(v["bin_edges"]), 19)
        self.assertEqual(v["settings"]["thresholds"]["psi"], 0.3)
        self.assertEqual(v["settings"]["thresholds"]["ks_alpha"], 0.02)  # the command line wins
        self.assertEqual((code["kind"], code["kind_source"], code["settings"]["thresholds"]["chi2_alpha"]),
                         ("categorical", "config", 0.01))
        self.assertEqual(c["settings"]["bins"], 5)
        self.assertEqual(rep["config"]["config_file"], cfg)
        self.assertEqual(rep["config"]["overrides"]["v"]["bins"], 20)
        self.assertEqual(rep["config"]["defaults"]["thresholds"]["psi"], 0.3)

    def test_the_documented_config_works_on_the_example_data(self):
        doc = open(os.path.join(drift_schema.ROOT, "docs", "cli-drift.md")).read()
        block = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
        cfg = self.write("drift.yaml", block)
        data = os.path.join(drift_schema.ROOT, "examples", "data")
        rep, _ = report("--reference", os.path.join(data, "reference.csv"), "--current",
                        os.path.join(data, "current.csv"), "--config", cfg)
        self.assertEqual(rep["excluded"], ["user_age", "legacy_segment"])
        self.assertEqual(feature(rep, "basket_value")["settings"]["bins"], 20)
        self.assertEqual(feature(rep, "items_in_cart")["kind"], "categorical")

    def test_config_errors_name_the_key(self):
        for body, needle in (("binz: 3\n", "'binz'"),
                             ("features:\n  v:\n    colour: red\n", "'features.v.colour'"),
                             ("features:\n  ghost: {kind: numeric}\n", "'features.ghost'"),
                             ("thresholds: {psi: high}\n", "'thresholds.psi'"),
                             ("features:\n  v:\n    thresholds: {ks: 0.1}\n", "'features.v.thresholds.ks'"),
                             ("bins: [1\n", "not valid YAML")):
            cfg = self.write("bad.yaml", body)
            r = run("--reference", self.ref, "--current", self.cur, "--config", cfg)
            self.assertEqual(r.returncode, 2, body)
            self.assertIn(needle, r.stderr.splitlines()[0], body)
            self.assertIn(cfg, r.stderr.splitlines()[0])


class Utf8AndInputs(Tmp):
    """Issue 11 point 7 (UTF-8) and issue 15 points 3-4 (gzip, stdin, progress)."""

    def test_latin1_bytes_give_valid_utf8_json(self):
        ref = self.write("ref.csv", "caf\xe9,v\nna\xefve,1\nna\xefve,2\n\xff,3\n".encode("latin-1"), "wb")
        cur = self.write("cur.csv", "caf\xe9,v\n\xff,1\nna\xefve,2\n".encode("latin-1"), "wb")
        for fmt in ("json", "prometheus", "html"):
            r = subprocess.run([DRIFTWATCH, "drift", "--reference", ref, "--current", cur, "--format", fmt,
                                "--min-samples", "0"], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.decode("utf-8")  # strict: raises on invalid UTF-8
            if fmt == "html":  # the page names the feature as the JSON does (html_report.cpp's escape_into)
                self.assertIn("caf\xe9", out)
                self.assertNotIn("\ufffd", out)
            elif fmt == "json":
                rep = json.loads(out)
                drift_schema.VALIDATOR.validate(rep)
                f = feature(rep, "caf\xe9")  # Latin-1 bytes read as Latin-1
                self.assertEqual(f["categories"], 2)
            else:
                self.assertIn('feature="caf\xe9"', out)
                self.promtool_ok(out)

    def test_gzip_and_stdin_give_the_same_report(self):
        rng = np.random.default_rng(15)
        text = "x,c\n" + "\n".join("%r,%s" % (v, "pq"[i % 2]) for i, v in enumerate(rng.normal(0, 1, 2000).tolist())) + "\n"
        ref = self.write("ref.csv", text[: len(text) // 2].rsplit("\n", 1)[0] + "\n")
        cur = self.write("cur.csv", text)
        gz = self.write("cur.csv.gz", gzip.compress(text.encode()), "wb")
        # Two members, as `cat a.gz b.gz` makes: one stream.
        half = text.index("\n", len(text) // 2) + 1
        gz2 = self.write("two.gz", gzip.compress(text[:half].encode()) + gzip.compress(text[half:].encode()), "wb")
        plain, _ = report("--reference", ref, "--current", cur)
        for args, stdin in (((gz,), None), ((gz2,), None), (("-",), text), (("-",), gzip.compress(text.encode()))):
            r = subprocess.run([DRIFTWATCH, "drift", "--reference", ref, "--current", *args, "--format", "json"],
                               capture_output=True, input=stdin.encode() if isinstance(stdin, str) else stdin)
            self.assertEqual(r.returncode, 0, r.stderr)
            rep = json.loads(r.stdout)
            drift_schema.VALIDATOR.validate(rep)
            self.assertEqual(rep["features"], plain["features"])
        self.assertTrue(json.loads(subprocess.run([DRIFTWATCH, "drift", "--reference", ref, "--current", gz, "--format",
                                                   "json"], capture_output=True).stdout)["inputs"]["current"]["gzip"])
        bad = self.write("bad.gz", gzip.compress(text.encode())[:-30], "wb")
        r = run("--reference", ref, "--current", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("gzip", r.stderr)
        # A .gz name over plain text is refused, as `rank` refuses it (one input layer).
        fake = self.write("plain.gz", text)
        r = run("--reference", ref, "--current", fake)
        self.assertEqual(r.returncode, 1)
        self.assertIn("plain.gz: not a gzip file", r.stderr)

    def test_two_threads_give_the_one_thread_report_even_when_the_cut_falls_in_a_quote(self):
        # Files over 8 MiB are cut in two at a line start; here every record
        # holds a quoted line break, and rows are added until the first line
        # break after the middle is the quoted one: the guess is wrong and the
        # first thread must read on alone.
        rng = np.random.default_rng(7)
        values = np.round(rng.normal(0, 1, 400_000), 5).tolist()
        rows = ['"note %d\nmore",%r' % (i % 5, v) for i, v in enumerate(values)]
        header = "note,x\n"
        for extra in range(4):
            body = "\n".join(rows[: len(rows) - extra]) + "\n"
            text = header + body
            size = len(text)
            mid = len(header) + (size - len(header)) // 2
            nl = text.index("\n", mid)
            if text.count('"', 0, nl) % 2 == 1:  # inside a quoted field
                break
        else:
            self.fail("no row count puts the cut inside a quote")
        self.assertGreater(size, 8 << 20)
        cur = self.write("cur.csv", text)
        ref = self.write("ref.csv", header + "\n".join(rows[:5000]) + "\n")
        two, _ = report("--reference", ref, "--current", cur)
        one, _ = report("--reference", ref, "--current", cur, "--threads", "1")
        self.assertEqual(two["inputs"]["current"]["threads"], 1)  # the cut was wrong: one thread read it all
        self.assertEqual(two["features"], one["features"])
        self.assertEqual(feature(two, "x")["n_current"], len(rows) - extra)
        # A cut at a real record start: both threads used, same report.
        plain = self.write("plain.csv", "x\n" + "\n".join(map(repr, values * 3)) + "\n")
        two, _ = report("--reference", ref, "--current", plain)
        one, _ = report("--reference", ref, "--current", plain, "--threads", "1")
        self.assertEqual(two["inputs"]["current"]["threads"], 2)
        self.assertEqual(two["features"], one["features"])

    def test_progress_only_on_a_terminal_after_a_second(self):
        ref = self.column("ref.csv", "x", [str(i) for i in range(200)])
        # Not a terminal: never a progress line, even on a slow input.
        slow = subprocess.Popen([DRIFTWATCH, "drift", "--reference", ref, "--current", "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        slow.stdin.write(b"x\n" + b"".join(b"%d\n" % i for i in range(150)))
        slow.stdin.flush()
        time.sleep(1.3)
        out, err = slow.communicate(b"".join(b"%d\n" % i for i in range(150, 300)))
        self.assertEqual(slow.returncode, 0)
        self.assertEqual(err, b"")
        # A terminal, and a run longer than a second: the line appears on stderr
        # (and is erased at the end).
        master, slave = pty.openpty()
        p = subprocess.Popen([DRIFTWATCH, "drift", "--reference", ref, "--current", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        p.stdin.write(b"x\n")
        p.stdin.flush()
        seen = b""
        deadline = time.time() + 5
        for i in range(40):  # about 2 s of rows
            p.stdin.write(b"".join(b"%d\n" % ((i * 10 + k) % 200) for k in range(10)))
            p.stdin.flush()
            time.sleep(0.05)
            while select.select([master], [], [], 0)[0] and time.time() < deadline:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        p.stdin.close()
        p.wait(timeout=10)
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        p.stdout.close()
        self.assertEqual(p.returncode, 0)
        self.assertRegex(seen.decode(), r"\d+ rows, [\d.]+ MB read, \d+ rows/s, [\d.]+ s elapsed")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--driftwatch", required=True)
    args, rest = ap.parse_known_args()
    DRIFTWATCH = os.path.abspath(args.driftwatch)
    result = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False).result
    print("JSON reports validated against docs/schema/drift-report.schema.json: %d" % drift_schema.validated)
    sys.exit(0 if result.wasSuccessful() else 1)
