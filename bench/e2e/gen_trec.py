#!/usr/bin/env python3
"""Writes a TREC run and qrels for the end-to-end `driftwatch rank` benchmark.

    gen_trec.py --queries 5000 --docs 1000 --out DIR [--seed 1] [--shuffle] [--gzip]

DIR/run.txt: QUERIES x DOCS lines `qid Q0 docno rank score tag`, grouped by
query in rank order (as retrieval systems write them; --shuffle mixes the lines
of all queries). Scores have 4 decimals, so ties occur and the docno tie rule
matters. DIR/qrels.txt: per query, 200 judged documents (grades 0, 1, 2; about
a third of the run's top 300 and some never retrieved). Every judged query is
in the run (trec_eval 10 stops on a judged query without results).
With --gzip, also DIR/run.txt.gz and DIR/qrels.txt.gz (gzip -6).
"""
import argparse
import gzip
import os
import random
import shutil


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=5000)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    run_lines, qrels_lines = [], []
    for q in range(a.queries):
        qid = str(301 + q)
        docs = rng.sample(range(10_000_000), a.docs)
        score = 30.0
        lines = []
        for rank, d in enumerate(docs, 1):
            score -= rng.random() * 0.004 if rng.random() < 0.9 else 0.0  # a tenth tie with the one above
            lines.append("%s Q0 DOC-%08d %d %.4f bm25_t" % (qid, d, rank, score))
        run_lines.extend(lines)
        judged = rng.sample(docs[:300], min(150, len(docs[:300]))) + [rng.randrange(10_000_000) for _ in range(50)]
        seen = set()
        for d in judged:
            if d in seen:
                continue
            seen.add(d)
            qrels_lines.append("%s 0 DOC-%08d %d" % (qid, d, rng.choice((0, 0, 0, 1, 1, 2))))
    if a.shuffle:
        rng.shuffle(run_lines)
    for name, lines in (("run.txt", run_lines), ("qrels.txt", qrels_lines)):
        path = os.path.join(a.out, name)
        with open(path, "w") as f:
            f.write("\n".join(lines))
            f.write("\n")
        if a.gzip:
            with open(path, "rb") as src, gzip.open(path + ".gz", "wb", compresslevel=6) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


if __name__ == "__main__":
    main()
