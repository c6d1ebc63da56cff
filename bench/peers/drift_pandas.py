"""The peer of `driftwatch drift` in bench/e2e_drift.py: the same report
computed the way a data scientist would with pandas + NumPy + SciPy
(pandas.read_csv, numpy quantile edges, scipy.stats tests).

    /usr/bin/python3 bench/peers/drift_pandas.py REF.csv CUR.csv > peer.json
    /usr/bin/python3 bench/peers/drift_pandas.py REF.csv CUR.csv --check ours.json

Same rules as the tool's defaults (docs/cli-drift.md): empty cells are
missing; a column is numeric when more than half of its non-empty reference
cells are numbers; 10 quantile bins (np.unique(np.quantile)), right-closed;
PSI with epsilon 1e-4; JS distance base 2; Hellinger; KS and Wasserstein-1 on
every finite value; chi-square without Yates' correction. --check compares
every number with the tool's JSON report (relative 1e-9; KS p-value 1e-6
absolute) and exits 1 on a difference.
"""
import argparse
import json
import math
import sys

import numpy as np
import pandas as pd
import scipy.spatial.distance
import scipy.stats

EPS = 1e-4
BINS = 10


def binned(a, b):
    p, q = a / a.sum(), b / b.sum()
    pe, qe = np.where(p == 0, EPS, p), np.where(q == 0, EPS, q)
    psi = float(np.sum((qe - pe) * np.log(qe / pe)))
    js = float(scipy.spatial.distance.jensenshannon(a, b, base=2))
    hell = math.sqrt(max(0.0, 1 - float(np.sum(np.sqrt(p * q)))))
    return psi, js, hell


def feature(name, ref, cur):
    out = {"name": name}
    ref_missing, cur_missing = int(ref.isna().sum()), int(cur.isna().sum())
    ref_num = pd.to_numeric(ref.dropna(), errors="coerce") if ref.dtype == object else ref.dropna()
    numeric = ref_num.notna().sum() * 2 > len(ref_num) if ref.dtype == object else True
    out.update(n_missing_reference=ref_missing, n_missing_current=cur_missing)
    if numeric:
        r = pd.to_numeric(ref.dropna(), errors="coerce").to_numpy(dtype=float)
        c = pd.to_numeric(cur.dropna(), errors="coerce").to_numpy(dtype=float)
        r, c = r[np.isfinite(r)], c[np.isfinite(c)]
        edges = np.unique(np.quantile(r, np.arange(1, BINS) / BINS))
        a = np.bincount(np.searchsorted(edges, r, side="left"), minlength=len(edges) + 1).astype(float)
        b = np.bincount(np.searchsorted(edges, c, side="left"), minlength=len(edges) + 1).astype(float)
        ks = scipy.stats.ks_2samp(r, c)
        out.update(kind="numeric", n_reference=len(r), n_current=len(c), ks_statistic=float(ks.statistic),
                   ks_pvalue=float(ks.pvalue), wasserstein=float(scipy.stats.wasserstein_distance(r, c)))
    else:
        rc = ref.dropna().astype(str).value_counts(sort=False)
        cc = cur.dropna().astype(str).value_counts(sort=False)
        names = rc.index.union(cc.index, sort=False)
        a = rc.reindex(names, fill_value=0).to_numpy(dtype=float)
        b = cc.reindex(names, fill_value=0).to_numpy(dtype=float)
        stat, p, dof, _ = scipy.stats.chi2_contingency(np.array([a, b]), correction=False)
        out.update(kind="categorical", n_reference=int(a.sum()), n_current=int(b.sum()), chi2_statistic=float(stat),
                   chi2_pvalue=float(p), chi2_dof=int(dof))
    out["psi"], out["js_distance"], out["hellinger"] = binned(a, b)
    return out


def report(ref_path, cur_path):
    ref = pd.read_csv(ref_path, keep_default_na=False, na_values=[""])
    cur = pd.read_csv(cur_path, keep_default_na=False, na_values=[""])
    return {"features": [feature(n, ref[n], cur[n]) for n in ref.columns if n in cur.columns]}


def check(peer, ours):
    theirs = {f["name"]: f for f in ours["features"]}
    bad = 0
    for f in peer["features"]:
        t = theirs[f["name"]]
        for key, v in f.items():
            w = t.get(key)
            if isinstance(v, str) or isinstance(v, int):
                ok = v == w
            else:
                tol = 1e-6 if key == "ks_pvalue" else 0.0
                ok = w is not None and abs(v - w) <= 1e-9 * max(abs(v), abs(w)) + tol + 1e-300
            if not ok:
                print("%s.%s: pandas %r, driftwatch %r" % (f["name"], key, v, w), file=sys.stderr)
                bad += 1
    return bad


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("current")
    ap.add_argument("--check", help="the tool's --format json report to compare with")
    args = ap.parse_args()
    rep = report(args.reference, args.current)
    if args.check:
        with open(args.check) as f:
            bad = check(rep, json.load(f))
        print("compared %d features: %s" % (len(rep["features"]), "equal" if bad == 0 else "%d differences" % bad))
        sys.exit(1 if bad else 0)
    json.dump(rep, sys.stdout, indent=1)
    print()
