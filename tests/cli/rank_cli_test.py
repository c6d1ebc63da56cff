"""End-to-end test of `driftwatch rank`: it prints what trec_eval prints for the
same qrels and run (num_q, map, Rprec, recip_rank, P_k, recall_k, ndcg_cut_k,
map_cut_k, success_k), checked against the independent Python reference of
trec_eval's rules in tests/reference/trec_eval_ref.py: the text output must be
byte-identical, the JSON values equal to 1e-12.

Run: /usr/bin/python3 tests/cli/rank_cli_test.py --driftwatch PATH (from the repo root).
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
import trec_eval_ref as ref  # noqa: E402

TOOL = None
QRELS = os.path.join(ROOT, "examples", "data", "qrels.txt")
RUN = os.path.join(ROOT, "examples", "data", "run.txt")


def rank(*args):
    return subprocess.run([TOOL, "rank", *args], capture_output=True, text=True)


def expected_text(qrels, run, k=10, per_query=False, level=1):
    per, summary, num_q = ref.evaluate_files(ref.read_qrels(qrels), ref.read_run(run), k, level)
    return ref.format_text(per, summary, num_q, k, per_query)


def write_random_pair(directory, seed):
    """A random qrels/run pair with trec_eval's corner cases: score ties,
    graded and unjudged (-1) levels, docnos whose strcmp order differs from
    numeric order, queries only in one file, queries judged with no relevant
    document, fewer than k retrieved."""
    rng = random.Random(seed)
    qrels_lines, run_lines = [], []
    for q in range(1, 26):
        qid = "%d" % (q * 7 % 31)  # strcmp order != numeric order
        docs = ["D%d" % rng.randrange(1, 400) for _ in range(rng.randrange(1, 60))]
        docs = sorted(set(docs), key=lambda d: rng.random())
        in_qrels = q % 11 != 0
        in_run = q % 13 != 0
        if in_qrels:
            judged = docs[: rng.randrange(1, len(docs) + 1)] + ["J%d" % i for i in range(rng.randrange(0, 4))]
            no_relevant = q % 7 == 0
            for d in judged:
                grade = 0 if no_relevant else rng.choice([0, 0, 0, 1, 1, 2, 3, -1])
                qrels_lines.append("%s 0 %s %d" % (qid, d, grade))
        if in_run:
            coarse = q % 2 == 0
            for i, d in enumerate(docs):
                score = rng.randrange(0, 6) * 0.5 if coarse else round(rng.uniform(-5, 20), 4)
                run_lines.append("%s Q0 %s %d %s run%d" % (qid, d, i + 1, repr(score), seed))
    rng.shuffle(run_lines)  # trec_eval does not require any order
    qrels_path = os.path.join(directory, "qrels_%d.txt" % seed)
    run_path = os.path.join(directory, "run_%d.txt" % seed)
    with open(qrels_path, "w") as f:
        f.write("\n".join(qrels_lines) + "\n")
    with open(run_path, "w") as f:
        f.write("\n".join(run_lines) + "\n")
    return qrels_path, run_path


class RankCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_example_text_matches_trec_eval(self):
        r = rank("--qrels", QRELS, "--run", RUN)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, expected_text(QRELS, RUN))
        self.assertTrue(r.stdout.startswith("num_q                 \tall\t4\n"))

    def test_example_per_query_matches_trec_eval_q(self):
        r = rank("--qrels", QRELS, "--run", RUN, "--per-query")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, expected_text(QRELS, RUN, per_query=True))

    def test_json_uses_trec_eval_names_and_values(self):
        r = rank("--qrels", QRELS, "--run", RUN, "--format", "json", "-k", "5", "--per-query")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        per, summary, num_q = ref.evaluate_files(ref.read_qrels(QRELS), ref.read_run(RUN), 5)
        self.assertEqual(got["num_q"], num_q)
        self.assertEqual([k for k in got if k not in ("num_q", "per_query")], ref.measure_names(5))
        for name, value in summary.items():
            self.assertAlmostEqual(got[name], value, delta=1e-12, msg=name)
        self.assertEqual(list(got["per_query"]), [qid for qid, _ in per])
        for qid, values in per:
            for name, value in values.items():
                self.assertAlmostEqual(got["per_query"][qid][name], value, delta=1e-12, msg=qid + " " + name)

    def test_random_runs_match_trec_eval(self):
        for seed in range(1, 9):
            qrels, run = write_random_pair(self.tmp.name, seed)
            for k, level, per_query in ((10, 1, True), (5, 1, False), (10, 2, False), (1, 1, False)):
                args = ["--qrels", qrels, "--run", run, "-k", str(k), "--relevance-level", str(level)]
                if per_query:
                    args.append("--per-query")
                r = rank(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, expected_text(qrels, run, k, per_query, level),
                                 "seed %d k %d level %d" % (seed, k, level))

    def test_duplicate_document_in_run_is_an_error(self):
        run = self.write("dup_run.txt", "q1 Q0 d1 1 2.0 x\nq1 Q0 d2 2 1.0 x\nq1 Q0 d1 3 0.5 x\n")
        r = rank("--qrels", QRELS, "--run", run)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("dup_run.txt:3:7:", r.stderr)
        self.assertIn("duplicate document d1", r.stderr)
        self.assertIn("query q1", r.stderr)

    def test_malformed_lines_name_file_line_and_column(self):
        qrels = self.write("bad_qrels.txt", "q1 0 d1 1\nq1 0 d2\n")
        r = rank("--qrels", qrels, "--run", RUN)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad_qrels.txt:2:", r.stderr)
        self.assertIn("expected 4 fields", r.stderr)
        qrels = self.write("bad_rel.txt", "q1 0 d1 yes\n")
        r = rank("--qrels", qrels, "--run", RUN)
        self.assertIn("bad_rel.txt:1:9: relevance must be an integer, got 'yes'", r.stderr)
        run = self.write("bad_score.txt", "q1 Q0 d1 1 high x\n")
        r = rank("--qrels", QRELS, "--run", run)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad_score.txt:1:12: score must be a finite number, got 'high'", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_usage_errors(self):
        self.assertEqual(rank("--qrels", QRELS).returncode, 2)
        self.assertEqual(rank("--qrels", QRELS, "--run", RUN, "-k", "0").returncode, 2)
        self.assertEqual(rank("--qrels", QRELS, "--run", RUN, "--bogus").returncode, 2)
        self.assertEqual(rank("--help").returncode, 0)
        missing = rank("--qrels", QRELS, "--run", os.path.join(self.tmp.name, "nope.txt"))
        self.assertEqual(missing.returncode, 1)
        self.assertIn("nope.txt: cannot open file", missing.stderr)

    def test_no_common_queries(self):
        run = self.write("other.txt", "zz Q0 d1 1 1.0 x\n")
        r = rank("--qrels", QRELS, "--run", run)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no queries with both results and relevance judgments", r.stderr)


# ---- --format prometheus ----------------------------------------------------
PROMTOOL = shutil.which("promtool")
SAMPLE_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
ROOTS = {"map": "map", "Rprec": "Rprec", "recip_rank": "recip_rank", "P": "P_%d", "recall": "recall_%d",
         "ndcg_cut": "ndcg_cut_%d", "map_cut": "map_cut_%d", "success": "success_%d"}


def parse_exposition(text):
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_LINE.match(line)
        if not m:
            raise AssertionError("not a sample line: %r" % line)
        samples[(m.group(1), frozenset(LABEL.findall(m.group(2) or "")))] = float(m.group(3))
    return samples


class RankPrometheus(unittest.TestCase):
    """--format prometheus: the ranking_exporter series; _sum / _count is the
    JSON mean and _count is num_q."""

    def check(self, qrels, run, k, *extra):
        r = rank("--qrels", qrels, "--run", run, "-k", str(k), "--format", "prometheus", "--model", "ranker",
                 "--model-version", "v7", *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        if PROMTOOL is not None:
            checked = subprocess.run([PROMTOOL, "check", "metrics"], input=r.stdout, capture_output=True, text=True)
            self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        s = parse_exposition(r.stdout)
        got = json.loads(rank("--qrels", qrels, "--run", run, "-k", str(k), "--format", "json", *extra).stdout)
        for root, name in ROOTS.items():
            labels = {("model", "ranker"), ("model_version", "v7"), ("metric", root), ("k", str(k))}
            total = s[("driftwatch_ranking_metric_sum", frozenset(labels))]
            count = s[("driftwatch_ranking_metric_count", frozenset(labels))]
            self.assertEqual(count, got["num_q"], root)
            measure = name % k if "%d" in name else name
            self.assertAlmostEqual(total / count, got[measure], delta=1e-12, msg=measure)
        return s

    def test_example_passes_promtool_and_equals_json(self):
        if PROMTOOL is None:
            print("promtool not installed: exposition checked by the parser only", file=sys.stderr)
        s = self.check(QRELS, RUN, 10)
        self.assertEqual(s[("driftwatch_ranking_requests_skipped_total",
                            frozenset({("model", "ranker"), ("model_version", "v7"), ("k", "10")}))], 0)

    def test_random_runs_equal_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            for seed in (3, 5):
                qrels, run = write_random_pair(tmp, seed)
                self.check(qrels, run, 5)
                self.check(qrels, run, 10, "--relevance-level", "2")

    def test_defaults_and_openmetrics(self):
        r = rank("--qrels", QRELS, "--run", RUN, "--format", "openmetrics")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith("# EOF\n"))
        self.assertIn('model="default",model_version="run.txt"', r.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--driftwatch", required=True)
    args, rest = parser.parse_known_args()
    TOOL = os.path.abspath(args.driftwatch)
    unittest.main(argv=[sys.argv[0]] + rest)
