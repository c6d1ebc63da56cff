#!/usr/bin/python3
"""Python peers of the driftwatch benchmarks (NumPy / SciPy), on the same data.

The inputs are regenerated with the same counter-based splitmix64 as
bench/bench_data.hpp, so they are bit-identical to the C++ benchmarks' inputs.
Each peer is timed best-of-N (N = --repeats) and reported as items per second
with the same item unit as the C++ case. Prints one JSON list:
[{"case": ..., "peer": ..., "per_s": ...}, ...]

Usage: /usr/bin/python3 bench/peers/peers.py [--quick] [--repeats N] [--served-only]
"""
import argparse
import json
import sys
import time

import numpy as np
import scipy
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
C1 = np.uint64(0xBF58476D1CE4E5B9)
C2 = np.uint64(0x94D049BB133111EB)


def splitmix(seed, i):
    """splitmix64(seed, i) for an array of counters i (uint64), wrapping like C++."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (i.astype(np.uint64) + np.uint64(1)) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * C1
        z = (z ^ (z >> np.uint64(27))) * C2
        return z ^ (z >> np.uint64(31))


def u01(seed, n, start=0):
    i = np.arange(start, start + n, dtype=np.uint64)
    return (splitmix(seed, i) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def uniform(seed, n, lo, width):
    return lo + width * u01(seed, n)


def best_time(fn, repeats):
    """Best-of-N CPU time of this process (like Google Benchmark's CPU time:
    time the process was not running on a shared machine is not counted; the
    peers are single-threaded)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def served_peer(q, reps, record):
    """rank_served_1m_k10 vs numpy_isin: 1M lists of 10 ids, 1-20 relevant ids."""
    disc = 1.0 / np.log2(np.arange(2, 12))
    lists = 100000 if q else 1000000
    li = np.arange(lists, dtype=np.uint64)
    h = splitmix(91, li)
    served = ((h[:, None] + np.arange(10, dtype=np.uint64)[None, :] * np.uint64(97)) % np.uint64(100000)).astype(np.int64)
    rcount = (1 + splitmix(92, li) % np.uint64(20)).astype(np.int64)
    j = np.arange(20, dtype=np.uint64)
    shift = splitmix(93, li) % np.uint64(20)
    offset = (np.uint64(7) * j[None, :] + shift[:, None]) % np.uint64(20)
    relall = ((h[:, None] + offset * np.uint64(97)) % np.uint64(100000)).astype(np.int64)
    mask = np.arange(20)[None, :] < rcount[:, None]
    row_id = np.repeat(np.arange(lists, dtype=np.int64), rcount)
    rel_keys = row_id * 100000 + relall[mask]
    served_keys = np.arange(lists, dtype=np.int64)[:, None] * 100000 + served

    def isin_metrics():
        hits = np.isin(served_keys, rel_keys).reshape(lists, 10)
        p10 = hits.sum(axis=1) / 10.0
        ideal = np.cumsum(disc)[np.minimum(rcount, 10) - 1]
        ndcg = (hits * disc).sum(axis=1) / ideal
        ap = (np.cumsum(hits, axis=1) / np.arange(1, 11) * hits).sum(axis=1) / rcount
        return p10.sum() + ndcg.sum() + ap.sum()

    record("rank_served_1m_k10", "numpy_isin", lists, best_time(isin_metrics, reps))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--served-only", action="store_true",
                    help="only the rank_served_1m_k10 peer (numpy_isin), e.g. next to its C++ benchmark")
    args = ap.parse_args()
    q = args.quick
    reps = args.repeats
    out = []

    def record(case, peer, items, seconds):
        out.append({"case": case, "peer": peer, "per_s": items / seconds})

    if args.served_only:
        served_peer(q, reps, record)
        json.dump({"numpy": np.__version__, "scipy": scipy.__version__, "peers": out}, sys.stdout, indent=1)
        print()
        return

    # --- binning: 16M doubles uniform in [-2, 2) --------------------------------
    n = (1 << 20) if q else (1 << 24)
    x = uniform(1, n, -2.0, 4.0)
    ref = x[: min(n, 100000)]
    interior = np.quantile(ref, np.arange(1, 10) / 10.0)
    qbins = np.concatenate(([-2.0], interior, [2.0]))
    record("bin_quantile_b10", "numpy_histogram", n, best_time(lambda: np.histogram(x, bins=qbins), reps))
    record("bin_uniform_b64", "numpy_histogram", n,
           best_time(lambda: np.histogram(x, bins=64, range=(-2.0, 2.0)), reps))
    del x

    # --- KS: two samples of 1M -------------------------------------------------
    n = 100000 if q else 1000000
    a = uniform(11, n, 0.0, 1.0)
    b = uniform(12, n, 0.001, 1.01)
    record("ks_exact_1m", "scipy_ks_2samp", 2 * n, best_time(lambda: ks_2samp(a, b), reps))

    # --- JS: two probability vectors of 1M -----------------------------------------
    n = 100000 if q else 1000000
    p = u01(21, n)
    qq = u01(22, n)
    record("js_1m", "scipy_jensenshannon", n, best_time(lambda: jensenshannon(p, qq, base=2), reps))

    # --- score matrix: rows x cols float32, 5 relevant per row, k = 10 -------------
    rows, cols = (200, 10000) if q else (2000, 100000)
    S = np.empty((rows, cols), dtype=np.float32)
    chunk = max(1, (1 << 24) // cols)
    for r0 in range(0, rows, chunk):
        r1 = min(rows, r0 + chunk)
        S[r0:r1] = u01(31, (r1 - r0) * cols, start=r0 * cols).astype(np.float32).reshape(r1 - r0, cols)
    base = (splitmix(77, np.arange(rows, dtype=np.uint64)) % np.uint64(cols)).astype(np.int64)
    rel = (base[:, None] + np.arange(5)[None, :] * (cols // 5)) % cols
    disc = 1.0 / np.log2(np.arange(2, 12))

    def argpartition_metrics():
        top = np.argpartition(-S, 10, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(S, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        hits = (top[:, :, None] == rel[:, None, :]).any(axis=2)
        p10 = hits.sum(axis=1) / 10.0
        dcg = (hits * disc).sum(axis=1)
        ap = (np.cumsum(hits, axis=1) / np.arange(1, 11) * hits).sum(axis=1) / 5.0
        return p10.sum() + dcg.sum() + ap.sum()

    record("rank_matrix_2000x100k", "numpy_argpartition", rows * cols,
           best_time(argpartition_metrics, max(1, reps - 1)))
    del S

    # --- served lists: 1M lists of 10 ids, 1-20 relevant ids ----------------------
    served_peer(q, reps, record)

    json.dump({"numpy": np.__version__, "scipy": scipy.__version__, "peers": out}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
