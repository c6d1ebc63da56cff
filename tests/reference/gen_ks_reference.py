"""Reference values for driftwatch::ks_test / ks_pvalue from SciPy 1.10's
scipy.stats.ks_2samp (run with Debian's /usr/bin/python3).

Writes ks_cases.txt (format: tests/reference/refgen.py). Two kinds of case:

  kind sample   ref/cur samples (numbers, possibly nan/inf, or `gen` lines),
                alt, method -> statistic, pvalue, location, sign, the method
                scipy ended up using, and the counts of non-finite values
                (scipy is called on the finite values only).
  kind pvalue   a statistic d and sizes n1, n2 -> the p-value ks_2samp would
                attach to d. This replays ks_2samp's own p-value code path
                (scipy.stats._stats_py._attempt_exact_2kssamp, kstwo.sf and the
                one-sided formula, copied from ks_2samp) to reach sizes and
                branches of the Kolmogorov distribution that samples cannot
                reach cheaply; sample cases check the same path end to end.
"""

import argparse
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.stats import _stats_py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refgen import CaseWriter, generate  # noqa: E402

ALTS = {"two_sided": "two-sided", "less": "less", "greater": "greater"}
METHODS = {"automatic": "auto", "exact": "exact", "asymptotic": "asymp"}


def method_used(n1, n2, d, alt, method):
    """Which method ks_2samp ends up using (its own decision rules)."""
    mode = METHODS[method]
    g = math.gcd(n1, n2)
    if mode == "auto":
        mode = "exact" if max(n1, n2) <= 10000 else "asymp"
    elif mode == "exact":
        if n1 // g >= np.iinfo(np.int32).max / (n2 // g):
            mode = "asymp"
    if mode == "exact":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ok, _, _ = _stats_py._attempt_exact_2kssamp(n1, n2, g, d, ALTS[alt])
        if not ok:
            mode = "asymp"
    return "exact" if mode == "exact" else "asymptotic"


def pvalue_for(d, n1, n2, alt, method):
    """ks_2samp's p-value for statistic d (same steps as its source)."""
    alternative = ALTS[alt]
    mode = METHODS[method]
    g = math.gcd(n1, n2)
    n1g, n2g = n1 // g, n2 // g
    if mode == "auto":
        mode = "exact" if max(n1, n2) <= 10000 else "asymp"
    elif mode == "exact" and n1g >= np.iinfo(np.int32).max / n2g:
        mode = "asymp"
    prob = -np.inf
    if mode == "exact":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            success, d, prob = _stats_py._attempt_exact_2kssamp(n1, n2, g, d, alternative)
        if not success:
            mode = "asymp"
    if mode == "asymp":
        m, n = sorted([float(n1), float(n2)], reverse=True)
        en = m * n / (m + n)
        if alternative == "two-sided":
            prob = stats.kstwo.sf(d, np.round(en))
        else:
            z = np.sqrt(en) * d
            expt = -2 * z**2 - 2 * z * (m + 2 * n) / np.sqrt(m * n * (m + n)) / 3.0
            prob = np.exp(expt)
    prob = float(np.clip(prob, 0, 1))
    return prob, ("exact" if mode == "exact" else "asymptotic")


def values_of(spec):
    if isinstance(spec, tuple) and spec and spec[0] == "gen":
        return generate(*spec[1:])
    return list(spec)


def sample_case(w, name, ref, cur, alt="two_sided", method="automatic"):
    r = np.array(values_of(ref), dtype=float)
    c = np.array(values_of(cur), dtype=float)
    rf, cf = r[np.isfinite(r)], c[np.isfinite(c)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.ks_2samp(rf, cf, alternative=ALTS[alt], method=METHODS[method])
    # The raw (unrounded) statistic decides the method; recompute it as scipy does.
    fields = dict(kind="sample", ref=ref, cur=cur, alt=alt, method=method,
                  statistic=float(res.statistic), pvalue=float(res.pvalue),
                  location=float(res.statistic_location), sign=float(res.statistic_sign),
                  used=_used_for_sample(rf, cf, alt, method),
                  n_ref=float(len(rf)), n_cur=float(len(cf)),
                  invalid_ref=float(len(r) - len(rf)), invalid_cur=float(len(c) - len(cf)))
    w.case(name, **fields)


def _used_for_sample(rf, cf, alt, method):
    d1, d2 = np.sort(rf), np.sort(cf)
    allv = np.concatenate([d1, d2])
    diffs = np.searchsorted(d1, allv, side="right") / len(d1) - np.searchsorted(d2, allv, side="right") / len(d2)
    min_s = np.clip(-np.min(diffs), 0, 1)
    max_s = np.max(diffs)
    d = min_s if (alt == "less" or (alt == "two_sided" and min_s > max_s)) else max_s
    return method_used(len(d1), len(d2), d, alt, method)


def pvalue_case(w, name, d, n1, n2, alt="two_sided", method="automatic"):
    p, used = pvalue_for(d, n1, n2, alt, method)
    w.case(name, kind="pvalue", d=d, n1=float(n1), n2=float(n2), alt=alt, method=method, pvalue=p, used=used)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "ks_cases.txt")
    w = CaseWriter(path, f"""Kolmogorov-Smirnov two-sample reference cases for tests/ks_test_test.cpp.
Generated by tests/reference/gen_ks_reference.py with SciPy {scipy.__version__}, NumPy {np.__version__}.
Do not edit: regenerate with /usr/bin/python3 tests/reference/gen_ks_reference.py --out tests/reference""")

    # --- tiny samples, exact path -------------------------------------------------
    for alt in ALTS:
        sample_case(w, f"n1_vs_n1_{alt}", [1.0], [2.0], alt)
        sample_case(w, f"n1_vs_n1_equal_{alt}", [3.0], [3.0], alt)
        sample_case(w, f"n1_vs_n5_{alt}", [2.5], [0.5, 1.5, 2.5, 3.5, 4.5], alt)
        sample_case(w, f"n2_vs_n2_{alt}", [0.1, 0.9], [0.5, 0.7], alt)
        sample_case(w, f"n2_vs_n3_{alt}", [0.1, 0.9], [0.2, 0.3, 0.4], alt)
        sample_case(w, f"n1_vs_n1_asymp_{alt}", [1.0], [2.0], alt, "asymptotic")
    sample_case(w, "location_prefers_reference", [1.0, 5.0, 6.0], [0.0, 2.0, 3.0, 4.0, 7.0, 8.0])
    sample_case(w, "location_from_current", [5.0, 6.0], [0.0, 1.0, 2.0])

    # --- small and medium samples, exact path -----------------------------------------
    seed = 100
    for n1, n2 in [(5, 5), (10, 10), (7, 13), (30, 45), (50, 50), (100, 150), (200, 200),
                   (400, 600), (999, 1000), (333, 777)]:
        for alt in ALTS:
            seed += 1
            sample_case(w, f"uniform_vs_bell_{n1}_{n2}_{alt}", ("gen", "uniform", seed, n1, -1.5, 1.5),
                        ("gen", "bell", seed + 1000, n2, 0.2, 1.0), alt)
            sample_case(w, f"same_dist_{n1}_{n2}_{alt}", ("gen", "bell", seed + 2000, n1, 0.0, 1.0),
                        ("gen", "bell", seed + 3000, n2, 0.0, 1.0), alt)
    # One-sided exact with unequal sizes falls back to asymp once C(n1+n2, n1) overflows.
    for n1, n2 in [(520, 510), (600, 700), (9000, 10000)]:
        for alt in ("less", "greater", "two_sided"):
            seed += 1
            sample_case(w, f"fallback_{n1}_{n2}_{alt}", ("gen", "bell", seed, n1, 0.0, 1.0),
                        ("gen", "bell", seed + 1000, n2, 0.1, 1.0), alt)
    # The largest automatic-exact sizes (timing of the exact path).
    sample_case(w, "exact_10000_9999", ("gen", "bell", 7, 10000, 0.0, 1.0), ("gen", "bell", 8, 9999, 0.0, 1.0))
    sample_case(w, "exact_10000_9999_shift", ("gen", "bell", 9, 10000, 0.0, 1.0), ("gen", "bell", 10, 9999, 0.3, 1.0))
    sample_case(w, "exact_10000_10000", ("gen", "uniform", 11, 10000, 0.0, 1.0), ("gen", "bell", 12, 10000, 0.5, 0.3))
    sample_case(w, "exact_3_10000", [0.1, 0.5, 0.9], ("gen", "uniform", 13, 10000, 0.0, 1.0))
    for alt in ("less", "greater"):
        sample_case(w, f"exact_60_10000_{alt}", ("gen", "uniform", 14, 60, 0.0, 1.0),
                    ("gen", "uniform", 15, 10000, 0.05, 1.0), alt)

    # --- heavy ties, constants, disjoint ranges -----------------------------------------
    for alt in ALTS:
        sample_case(w, f"ties_int_300_400_{alt}", ("gen", "int", 21, 300, 0, 5), ("gen", "int", 22, 400, 0, 6), alt)
        sample_case(w, f"ties_int_1000_800_{alt}", ("gen", "int", 23, 1000, 0, 3), ("gen", "int", 24, 800, 0, 3), alt)
        sample_case(w, f"ties_int_50k_70k_{alt}", ("gen", "int", 25, 50000, 0, 9), ("gen", "int", 26, 70000, 0, 9), alt)
        sample_case(w, f"constant_same_{alt}", [2.0] * 8, [2.0] * 5, alt)
        sample_case(w, f"constant_different_{alt}", [2.0] * 8, [3.0] * 5, alt)
        sample_case(w, f"ref_below_cur_{alt}", [0.0, 1.0, 2.0, 3.0], [10.0, 11.0, 12.0], alt)
        sample_case(w, f"ref_above_cur_{alt}", [10.0, 11.0, 12.0], [0.0, 1.0, 2.0, 3.0], alt)
        sample_case(w, f"cur_inside_ref_{alt}", ("gen", "uniform", 27, 200, -5.0, 5.0),
                    ("gen", "uniform", 28, 150, -1.0, 1.0), alt)
        sample_case(w, f"identical_{alt}", ("gen", "bell", 29, 100, 0.0, 1.0), ("gen", "bell", 29, 100, 0.0, 1.0), alt)

    # --- non-finite input (filtered before scipy; counts checked) --------------------------
    nan, inf = float("nan"), float("inf")
    for alt in ALTS:
        sample_case(w, f"nonfinite_{alt}", [0.3, nan, 1.2, -inf, 0.7, 2.0, inf],
                    [nan, 0.1, 0.5, 0.9, 1.1, nan, 1.4, 3.0], alt)

    # --- explicit methods -------------------------------------------------------------
    for alt in ALTS:
        sample_case(w, f"asymp_small_{alt}", ("gen", "bell", 31, 40, 0.0, 1.0), ("gen", "bell", 32, 60, 0.4, 1.0),
                    alt, "asymptotic")
        sample_case(w, f"asymp_equal_{alt}", ("gen", "bell", 33, 500, 0.0, 1.0), ("gen", "bell", 34, 500, 0.1, 1.0),
                    alt, "asymptotic")
        sample_case(w, f"exact_large_{alt}", ("gen", "bell", 35, 20000, 0.0, 1.0),
                    ("gen", "bell", 36, 15000, 0.02, 1.0), alt, "exact")
        sample_case(w, f"exact_lcm_overflow_{alt}", ("gen", "bell", 37, 50000, 0.0, 1.0),
                    ("gen", "bell", 38, 49999, 0.01, 1.0), alt, "exact")

    # --- large samples, asymptotic path --------------------------------------------------
    for alt in ALTS:
        sample_case(w, f"large_100k_same_{alt}", ("gen", "bell", 41, 100000, 0.0, 1.0),
                    ("gen", "bell", 42, 100000, 0.0, 1.0), alt)
        sample_case(w, f"large_100k_60k_shift_{alt}", ("gen", "bell", 43, 100000, 0.0, 1.0),
                    ("gen", "bell", 44, 60000, 0.01, 1.0), alt)
        sample_case(w, f"large_100k_uniform_vs_bell_{alt}", ("gen", "uniform", 45, 100000, -1.7, 1.7),
                    ("gen", "bell", 46, 100000, 0.0, 1.0), alt)
        sample_case(w, f"large_12000_small_shift_{alt}", ("gen", "bell", 47, 12000, 0.0, 1.0),
                    ("gen", "bell", 48, 11000, 0.03, 1.0), alt)
    sample_case(w, "large_300k_300k", ("gen", "bell", 49, 300000, 0.0, 1.0), ("gen", "bell", 50, 300000, 0.0, 1.0))

    # --- p-value only: every branch of kstwo.sf and of the exact path ------------------------
    # kstwo with n = round(n1 n2 / (n1 + n2)); n1 = n2 = 2n gives exactly n.
    for n in [1, 2, 3, 10, 50, 140, 141, 500, 5000, 50000, 100000, 100001, 150000, 1500000]:
        for d in [0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.02, 0.05, 0.1, 0.2, 0.3, 0.49, 0.5, 0.7, 1.0 - 1.0 / n, 1.0]:
            if d <= 0.0 or d > 1.0:
                continue
            pvalue_case(w, f"kstwo_n{n}_d{d!r}", d, 2 * n, 2 * n, "two_sided", "asymptotic")
    for n in [100000, 250000]:
        for zz in [0.3, 0.6, 0.9, 1.2, 1.5, 2.0]:
            pvalue_case(w, f"kstwo_n{n}_z{zz!r}", zz / math.sqrt(n), 2 * n, 2 * n, "two_sided", "asymptotic")
    for n in [60, 141, 1000, 20000]:
        for zz in [0.4, 0.8, 0.87, 1.0, 1.4, 1.5, 2.0, 3.0, 19.0]:
            d = zz / math.sqrt(n)
            if d < 1.0:
                pvalue_case(w, f"kstwo_n{n}_z{zz!r}", d, 2 * n, 2 * n, "two_sided", "asymptotic")
    for alt in ("less", "greater"):
        for n1, n2 in [(100, 100), (1000, 700), (10, 100000), (123457, 98765)]:
            for d in [0.0, 0.001, 0.01, 0.05, 0.2, 0.7, 1.0]:
                pvalue_case(w, f"onesided_asymp_{alt}_{n1}_{n2}_d{d!r}", d, n1, n2, alt, "asymptotic")
    for alt in ALTS:
        for n1, n2 in [(1, 1), (1, 7), (3, 3), (8, 12), (40, 41), (200, 300), (500, 499), (1000, 30), (7000, 11),
                       (10000, 10000), (10000, 9999), (300000, 7)]:
            for d in [0.0, 0.01, 0.08, 0.2, 0.5, 0.9, 1.0]:
                pvalue_case(w, f"exact_{alt}_{n1}_{n2}_d{d!r}", d, n1, n2, alt, "exact")
    w.close()


if __name__ == "__main__":
    main()
