#!/usr/bin/python3
"""Joins the Google Benchmark JSON files of the C++ benches and the peers'
JSON into bench_results.json and docs/benchmarks.md.

Rows: {"case", "driftwatch_per_s", "peer", "peer_per_s", "ratio"}, ratio =
driftwatch / peer, both items per second on the same data in the same run.
For repeated benchmarks the best repetition of each name is used (for
driftwatch and C++ peers alike; the Python peers are best-of-N as well).
"""
import argparse
import json
import os
import sys

# The targets: case -> {peer: minimum ratio}.
TARGETS = {
    "bin_quantile_b10": {"memory_read": 0.6, "scalar_upper_bound": 10, "boost_histogram_variable": 10,
                         "numpy_histogram": 50},
    "bin_uniform_b64": {"memory_read": 0.5, "scalar_index": 2, "boost_histogram_regular": 5, "numpy_histogram": 10},
    "ks_exact_1m": {"scipy_ks_2samp": 10, "std_sort_merge": 2},
    "js_1m": {"scipy_jensenshannon": 10, "scalar_log": 3},
    "rank_matrix_2000x100k": {"memory_read": 0.8, "partial_sort": 2, "numpy_argpartition": 40},
    "rank_served_1m_k10": {"numpy_isin": 50, "scalar_linear_scan": None},
}


def best_rates(files):
    rates = {}
    for f in files:
        with open(f) as fh:
            data = json.load(fh)
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate" or "items_per_second" not in b:
                continue
            name = b.get("run_name", b["name"]).split("/")[0]
            rates[name] = max(rates.get(name, 0.0), float(b["items_per_second"]))
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench-json", nargs="+", required=True)
    ap.add_argument("--peers-json", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--compile-json")
    ap.add_argument("--context", default="")
    ap.add_argument("--command", default="bench/run.sh")
    args = ap.parse_args()

    rates = best_rates(args.bench_json)
    with open(args.peers_json) as fh:
        peers_doc = json.load(fh)
    for p in peers_doc["peers"]:
        rates[p["case"] + "_" + p["peer"]] = p["per_s"]

    rows = []
    for case, peers in TARGETS.items():
        mine = rates.get(case + "_driftwatch")
        for peer, target in peers.items():
            theirs = rates.get(case + "_" + peer)
            if mine is None or theirs is None:
                continue
            rows.append({"case": case, "driftwatch_per_s": mine, "peer": peer, "peer_per_s": theirs,
                         "ratio": mine / theirs})
    with open(args.out_json, "w") as fh:
        json.dump(rows, fh, indent=1)
        fh.write("\n")

    compile_info = None
    if args.compile_json and os.path.exists(args.compile_json):
        with open(args.compile_json) as fh:
            compile_info = json.load(fh)

    lines = []
    lines.append("# Benchmarks")
    lines.append("")
    lines.append("Throughput of driftwatch's kernels against the tools users would pick instead, measured on the")
    lines.append("same data in the same run. Reproduce with `" + args.command + "` from the repository root")
    lines.append("(`bench/run.sh --quick` for small sizes); it rebuilds the benchmarks in Release for the host")
    lines.append("(`-march=native`), runs them and the NumPy/SciPy peers (`bench/peers/peers.py`), and writes")
    lines.append("`bench_results.json` and this file. Items are values binned (`bin_*`), values of both samples")
    lines.append("(`ks_*`), bins (`js_*`), scores read (`rank_matrix_*`) and served lists (`rank_served_*`).")
    lines.append("Every number is the best of several repetitions, in items per CPU second of the single")
    lines.append("benchmark thread (the machine is shared: wall time would count time spent descheduled).")
    lines.append("")
    if args.context:
        lines.append(args.context)
        lines.append("")
    lines.append("| case | driftwatch items/s | peer | peer items/s | ratio | target |")
    lines.append("|---|---:|---|---:|---:|---:|")
    for r in rows:
        t = TARGETS[r["case"]][r["peer"]]
        target = "" if t is None else (">= %gx" % t)
        met = "" if t is None else (" (met)" if r["ratio"] >= t else " (**not met**)")
        lines.append("| %s | %.3g | %s | %.3g | %.2fx | %s%s |" % (r["case"], r["driftwatch_per_s"], r["peer"],
                                                                   r["peer_per_s"], r["ratio"], target, met))
    lines.append("")
    lines.append("Peers: `scalar_*`/`std_sort_merge` are driftwatch's own scalar twins (the baseline each kernel")
    lines.append("must beat), `memory_read` is a SIMD sum over the same array (the bandwidth limit),")
    lines.append("`boost_histogram_*` is Boost.Histogram's `fill` (libboost-dev), `partial_sort` is a per-row")
    lines.append("`std::partial_sort` top-10 with P@10/NDCG@10/AP@10, `numpy_*`/`scipy_*` are NumPy %s / SciPy %s"
                 % (peers_doc.get("numpy", "?"), peers_doc.get("scipy", "?")))
    lines.append("(`np.histogram`, `scipy.stats.ks_2samp`, `scipy.spatial.distance.jensenshannon`,")
    lines.append("`np.argpartition` top-10 with the metrics vectorized, `np.isin` on (list, item) keys with")
    lines.append("P@10/NDCG@10/AP vectorized).")
    lines.append("")
    if compile_info:
        lines.append("## Compile time of the core header")
        lines.append("")
        lines.append("`g++ -std=c++17 -O2 -c` of a translation unit with and without")
        lines.append("`#include <driftwatch/driftwatch.hpp>` (best of %d; the cost is the difference):"
                     % compile_info.get("repeats", 3))
        lines.append("")
        lines.append("| flags | without | with | cost of the include |")
        lines.append("|---|---:|---:|---:|")
        for c in compile_info["results"]:
            lines.append("| `%s` | %.2f s | %.2f s | %.2f s |" % (c["flags"], c["without"], c["with"],
                                                                c["with"] - c["without"]))
        lines.append("")
    with open(args.out_md, "w") as fh:
        fh.write("\n".join(lines))
    for r in rows:
        print("%-24s %-26s %10.3g %10.3g %8.2fx" % (r["case"], r["peer"], r["driftwatch_per_s"], r["peer_per_s"],
                                                   r["ratio"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
