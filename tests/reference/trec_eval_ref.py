"""An independent Python reference of trec_eval's ranking measures (and of
driftwatch's other named policies), written from trec_eval's documented rules,
not from driftwatch's C++ code. Used by gen_ranking_reference.py and by the CLI
test (tests/cli/rank_cli_test.py).

trec_eval rules implemented here (trec_eval 9.x, usnistgov/trec_eval):
  - qrels lines: `qid iter docno rel` (exactly 4 fields; iter ignored); run
    lines: `qid Q0 docno rank score tag` (at least 6 fields; Q0 and rank
    ignored, extra fields ignored). Lines starting with '#' are comments.
  - a query is evaluated iff it is in both the qrels and the run; queries are
    visited in strcmp order of qid, and num_q counts them. A query judged with
    no relevant document IS evaluated and scores 0 on every measure here.
  - documents are ranked by score descending, ties broken by docno descending
    in strcmp order; the rank field of the run is ignored.
  - a document is relevant iff its grade >= relevance level (default 1);
    documents not in the qrels are non-relevant; negative grades are unjudged.
  - P_k = relevant in top k / k (k even when fewer were retrieved);
    recall_k = relevant in top k / R; success_k = 1 if any relevant in top k;
    recip_rank = 1/rank of the first relevant retrieved (uncut);
    map = sum over relevant retrieved of precision at its rank / R;
    map_cut_k = the same sum restricted to ranks <= k, / R;
    Rprec = relevant in the top min(R, retrieved) / R;
    ndcg_cut_k = DCG@k / IDCG@k, gain = grade (grade > 0), discount log2(rank+1),
    ideal ranking = judged documents sorted by grade descending; 0 if IDCG = 0.
  - summary = arithmetic mean over evaluated queries, summed in query order;
    printed as "%-22s\\t%s\\t%6.4f" (num_q as "%-22s\\tall\\t%d").
"""

import argparse
import functools
import itertools
import math
import sys

MEASURES = ["map", "Rprec", "recip_rank", "P", "recall", "ndcg_cut", "map_cut", "success"]
CUT = {"P", "recall", "ndcg_cut", "map_cut", "success"}


def measure_names(k):
    return [m + "_" + str(k) if m in CUT else m for m in MEASURES]


def strcmp_key(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def gain_of(grade, gain, level):
    if grade <= 0:
        return 0.0
    if gain == "linear":
        return float(grade)
    if gain == "exponential":
        return 2.0 ** grade - 1.0
    if gain == "binary":
        return 1.0 if grade >= level else 0.0
    raise ValueError(gain)


def evaluate_ranking(ranking, grades, k, policy=None):
    """ranking: ids in rank order (rank 1 first); grades: id -> grade of the
    judged ids. Returns the 8 measures (dict by root name) or None if skipped."""
    p = dict(precision="k", ap_at_k="all_relevant", gain="linear", no_relevant="zero", level=1)
    p.update(policy or {})
    level = p["level"]
    R = sum(1 for g in grades.values() if g >= level)
    if R == 0 and p["no_relevant"] == "skip":
        return None
    rel = [grades.get(d, 0) >= level for d in ranking]
    n = len(ranking)
    rel_k = sum(rel[:k])
    denom = k
    if p["precision"] == "min_k_returned":
        denom = min(k, n)
    elif p["precision"] == "min_k_relevant":
        denom = min(k, R)
    out = {}
    out["P"] = rel_k / denom if denom else 0.0
    out["recall"] = rel_k / R if R else 0.0
    out["success"] = 1.0 if rel_k else 0.0
    first = next((i for i, r in enumerate(rel) if r), None)
    out["recip_rank"] = 1.0 / (first + 1) if first is not None else 0.0
    s, s_k, so_far = 0.0, 0.0, 0
    for i, r in enumerate(rel):
        if r:
            so_far += 1
            s += so_far / (i + 1)
            if i < k:
                s_k += so_far / (i + 1)
    out["map"] = s / R if R else 0.0
    norm = R if p["ap_at_k"] == "all_relevant" else min(k, R)
    out["map_cut"] = s_k / norm if norm else 0.0
    out["Rprec"] = sum(rel[:min(n, R)]) / R if R else 0.0
    dcg = 0.0
    for i, d in enumerate(ranking[:k]):
        g = gain_of(grades.get(d, 0), p["gain"], level)
        if g > 0:
            dcg += g / math.log2(i + 2)
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = 0.0
    for i, g in enumerate(ideal):
        idcg += gain_of(g, p["gain"], level) / math.log2(i + 2)
    out["ndcg_cut"] = dcg / idcg if idcg > 0 else 0.0
    return out


def trec_order(scored):
    """scored: list of (id, score). trec_eval's order: score descending, then id
    descending (strcmp for strings, numeric for integer ids)."""
    def cmp(a, b):
        if a[1] != b[1]:
            return -1 if a[1] > b[1] else 1
        ka, kb = strcmp_key(a[0]), strcmp_key(b[0])
        return (kb > ka) - (kb < ka)
    return [d for d, _ in sorted(scored, key=functools.cmp_to_key(cmp))]


def policy_order(scored, grades, ties):
    """The ranking under a deterministic tie policy."""
    if ties == "id_descending":
        return trec_order(scored)
    sign = -1 if ties == "optimistic" else 1
    def cmp(a, b):
        if a[1] != b[1]:
            return -1 if a[1] > b[1] else 1
        ga, gb = max(grades.get(a[0], 0), 0), max(grades.get(b[0], 0), 0)
        if ga != gb:
            return sign * ((ga > gb) - (ga < gb))
        return (b[0] > a[0]) - (b[0] < a[0])
    return [d for d, _ in sorted(scored, key=functools.cmp_to_key(cmp))]


def evaluate_scored(scored, grades, k, policy=None):
    """Every tie policy, by brute force for 'average': the mean over every
    ordering of every tie group (keep ties small)."""
    policy = dict(policy or {})
    ties = policy.pop("ties", "id_descending")
    if ties != "average":
        return evaluate_ranking(policy_order(scored, grades, ties), grades, k, policy)
    groups = {}
    for d, s in scored:
        groups.setdefault(s, []).append(d)
    ordered = [groups[s] for s in sorted(groups, reverse=True)]
    total, count = None, 0
    for combo in itertools.product(*[itertools.permutations(g) for g in ordered]):
        ranking = [d for group in combo for d in group]
        m = evaluate_ranking(ranking, grades, k, policy)
        if m is None:
            return None
        total = m if total is None else {key: total[key] + m[key] for key in m}
        count += 1
    return {key: v / count for key, v in total.items()}


# ---------------------------------------------------------------- files ---

class InputError(Exception):
    pass


def read_qrels(path):
    qrels = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            w = line.split()
            if len(w) != 4:
                raise InputError(f"{path}:{lineno}: expected 4 fields")
            qid, _, docno, rel = w
            q = qrels.setdefault(qid, {})
            if docno in q:
                raise InputError(f"{path}:{lineno}: duplicate judgment for query {qid} document {docno}")
            q[docno] = int(rel)
    return qrels


def read_run(path):
    run = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            w = line.split()
            if len(w) < 6:
                raise InputError(f"{path}:{lineno}: expected 6 fields")
            qid, docno, score = w[0], w[2], float(w[4])
            q = run.setdefault(qid, {})
            if docno in q:
                raise InputError(f"{path}:{lineno}: duplicate document {docno} in query {qid}")
            q[docno] = score
    return run


def evaluate_files(qrels, run, k, level=1):
    """Returns (per_query list of (qid, {name: value})), summary dict, num_q)."""
    names = measure_names(k)
    per_query = []
    for qid in sorted(set(qrels) & set(run), key=strcmp_key):
        ranking = trec_order(list(run[qid].items()))
        m = evaluate_ranking(ranking, qrels[qid], k, {"level": level})
        per_query.append((qid, {n: m[root] for n, root in zip(names, MEASURES)}))
    summary = {}
    for n in names:
        s = 0.0
        for _, m in per_query:
            s += m[n]
        summary[n] = s / len(per_query) if per_query else 0.0
    return per_query, summary, len(per_query)


def format_text(per_query, summary, num_q, k, with_queries):
    lines = []
    names = measure_names(k)
    if with_queries:
        for qid, m in per_query:
            for n in names:
                lines.append("%-22s\t%s\t%6.4f" % (n, qid, m[n]))
    lines.append("%-22s\tall\t%d" % ("num_q", num_q))
    for n in names:
        lines.append("%-22s\tall\t%6.4f" % (n, summary[n]))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("-l", "--relevance-level", type=int, default=1)
    ap.add_argument("-q", "--per-query", action="store_true")
    a = ap.parse_args()
    per_query, summary, num_q = evaluate_files(read_qrels(a.qrels), read_run(a.run), a.k, a.relevance_level)
    sys.stdout.write(format_text(per_query, summary, num_q, a.k, a.per_query))


if __name__ == "__main__":
    main()
