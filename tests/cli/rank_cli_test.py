"""End-to-end test of `driftwatch rank`: it prints what trec_eval prints for the
same qrels and run (num_q, map, Rprec, recip_rank, P_k, recall_k, ndcg_cut_k,
map_cut_k, success_k), checked against the independent Python reference of
trec_eval's rules in tests/reference/trec_eval_ref.py: the text output must be
byte-identical, the JSON values equal to 1e-12.

Run: /usr/bin/python3 tests/cli/rank_cli_test.py --driftwatch PATH (from the repo root).
"""

import argparse
import gzip
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
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


def write_random_pair(directory, seed, every_judged_query_in_run=False):
    """A random qrels/run pair with trec_eval's corner cases: score ties,
    graded and unjudged (-1) levels, docnos whose strcmp order differs from
    numeric order, queries only in one file, queries judged with no relevant
    document, fewer than k retrieved. every_judged_query_in_run: no query
    only in the qrels (trec_eval 10 stops on one: "result qid ... not found")."""
    rng = random.Random(seed)
    qrels_lines, run_lines = [], []
    for q in range(1, 26):
        qid = "%d" % (q * 7 % 31)  # strcmp order != numeric order
        docs = ["D%d" % rng.randrange(1, 400) for _ in range(rng.randrange(1, 60))]
        docs = sorted(set(docs), key=lambda d: rng.random())
        in_qrels = q % 11 != 0
        in_run = q % 13 != 0 or every_judged_query_in_run
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
    qrels_path = os.path.join(directory, "qrels_%d%s.txt" % (seed, "_all" if every_judged_query_in_run else ""))
    run_path = os.path.join(directory, "run_%d%s.txt" % (seed, "_all" if every_judged_query_in_run else ""))
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


# ---- several cutoffs, -m, num_ret / num_rel / num_rel_ret, --fail-below ------
# trec_eval's print order (te_trec_measures), whatever the order of -m.
TREC_ORDER = ["num_q", "num_ret", "num_rel", "num_rel_ret"] + ref.MEASURES
COUNTS = ("num_ret", "num_rel", "num_rel_ret")


def expected_measures(qrels_path, run_path, wanted, level=1, per_query=False):
    """trec_eval's text for `wanted` ({measure: [cutoffs] or None}), built
    from the reference's per-k evaluation and counts taken from the files."""
    qrels, run = ref.read_qrels(qrels_path), ref.read_run(run_path)
    per_k = {}
    for m, cuts in wanted.items():
        for k in cuts or [10]:
            if k not in per_k:
                per_k[k] = ref.evaluate_files(qrels, run, k, level)
    any_k = next(iter(per_k.values()))
    qids = [qid for qid, _ in any_k[0]]
    columns = []  # (name, per-query values, summary, integer)
    for m in TREC_ORDER:
        if m not in wanted or m == "num_q":
            continue
        if m in COUNTS:
            vals = []
            for qid in qids:
                rel = {d for d, g in qrels[qid].items() if g >= level}
                vals.append({"num_ret": len(run[qid]), "num_rel": len(rel),
                             "num_rel_ret": len(rel & set(run[qid]))}[m])
            columns.append((m, vals, sum(vals), True))
            continue
        for k in (wanted[m] if m in ref.CUT else [sorted(per_k)[0]]):
            name = "%s_%d" % (m, k) if m in ref.CUT else m
            per, summary, _ = per_k[k]
            columns.append((name, [v[name] for _, v in per], summary[name], False))
    lines = []
    if per_query:
        for i, qid in enumerate(qids):
            for name, vals, _, integer in columns:
                lines.append(("%-22s\t%s\t%d" if integer else "%-22s\t%s\t%6.4f") % (name, qid, vals[i]))
    if "num_q" in wanted:
        lines.append("%-22s\tall\t%d" % ("num_q", len(qids)))
    for name, _, summary, integer in columns:
        lines.append(("%-22s\tall\t%d" if integer else "%-22s\tall\t%6.4f") % (name, summary))
    return "\n".join(lines) + "\n"


class RankMeasures(unittest.TestCase):
    """Issue 11 point 8: -k 5,10,20, -m, trec_eval's counts, --fail-below."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_several_cutoffs_print_one_line_each_ascending(self):
        for seed in (2, 6):
            qrels, run = write_random_pair(self.tmp.name, seed)
            r = rank("--qrels", qrels, "--run", run, "-k", "20,5,10", "--per-query")
            self.assertEqual(r.returncode, 0, r.stderr)
            cuts = [5, 10, 20]
            wanted = {m: (cuts if m in ref.CUT else None) for m in ["num_q"] + ref.MEASURES}
            self.assertEqual(r.stdout, expected_measures(qrels, run, wanted, per_query=True), "seed %d" % seed)
            self.assertIn("P_5 ", r.stdout)
            self.assertLess(r.stdout.index("P_5 "), r.stdout.index("P_10 "))
            self.assertLess(r.stdout.index("P_20 "), r.stdout.index("recall_5 "))

    def test_m_chooses_measures_in_trec_eval_order_with_counts(self):
        qrels, run = write_random_pair(self.tmp.name, 4)
        args = ["-m", "P.5,10", "-m", "num_rel_ret", "-m", "map", "-m", "num_ret", "-m", "num_rel",
                "-m", "success", "-k", "3"]
        for level, per_query in ((1, True), (2, False)):
            extra = ["--per-query"] if per_query else []
            r = rank("--qrels", qrels, "--run", run, "--relevance-level", str(level), *args, *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            wanted = {"P": [5, 10], "num_rel_ret": None, "map": None, "num_ret": None, "num_rel": None,
                      "success": [3]}
            self.assertEqual(r.stdout, expected_measures(qrels, run, wanted, level, per_query))
            self.assertNotIn("num_q", r.stdout)
        # The bundled example by hand: q1 retrieves 11 documents, 4 of its 4
        # relevant; q4 (judged, not retrieved) is not evaluated.
        r = rank("--qrels", QRELS, "--run", RUN, "-m", "num_ret", "-m", "num_rel", "-m", "num_rel_ret", "-q")
        self.assertIn("num_ret               \tq1\t11\n", r.stdout)
        self.assertIn("num_rel_ret           \tq1\t4\n", r.stdout)
        self.assertIn("num_ret               \tall\t19\n", r.stdout)

    def test_json_counts_are_integers(self):
        qrels, run = write_random_pair(self.tmp.name, 3)
        r = rank("--qrels", qrels, "--run", run, "--format", "json", "-k", "5,10", "-m", "num_q", "-m", "num_rel",
                 "-m", "num_rel_ret", "-m", "ndcg_cut", "--per-query")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual([k for k in got if k != "per_query"],
                         ["num_q", "num_rel", "num_rel_ret", "ndcg_cut_5", "ndcg_cut_10"])
        self.assertIsInstance(got["num_rel"], int)
        self.assertEqual(got["num_rel"], sum(q["num_rel"] for q in got["per_query"].values()))
        for k in (5, 10):
            per, summary, num_q = ref.evaluate_files(ref.read_qrels(qrels), ref.read_run(run), k)
            self.assertEqual(got["num_q"], num_q)
            self.assertAlmostEqual(got["ndcg_cut_%d" % k], summary["ndcg_cut_%d" % k], delta=1e-12)

    def write_two_doc_queries(self, qids):
        """qrels and run files in tmp where every qid (bytes) judges D1
        relevant and D2 not and ranks D1 first; returns [qrels, run]."""
        qrels = b"".join(q + b" 0 D1 1\n" + q + b" 0 D2 0\n" for q in qids)
        run = b"".join(q + b" Q0 D1 1 2.0 t\n" + q + b" Q0 D2 2 1.0 t\n" for q in qids)
        paths = []
        for name, data in (("qrels", qrels), ("run", run)):
            paths.append(os.path.join(self.tmp.name, name))
            with open(paths[-1], "wb") as f:
                f.write(data)
        return paths

    def test_json_query_ids_with_odd_bytes_stay_valid_json(self):
        # A qid is any run of non-blank bytes: quotes, backslashes, control
        # bytes and bytes that are not UTF-8 must still give valid JSON, the
        # Latin-1 reading of a stray byte as in `driftwatch drift`.
        qids = [b'q"1', b"q\\2", b"q\x013", b"caf\xe9", "na\u00efve".encode()]
        paths = self.write_two_doc_queries(qids)
        r = subprocess.run([TOOL, "rank", "--qrels", paths[0], "--run", paths[1], "--format", "json", "--per-query"],
                           capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout.decode("utf-8"))
        self.assertEqual(sorted(got["per_query"]), sorted(['q"1', "q\\2", "q\x013", "caf\u00e9", "na\u00efve"]))
        self.assertEqual(got["num_q"], 5)
        for q in got["per_query"].values():
            self.assertEqual(q["map"], 1.0)

    def test_html_query_ids_with_odd_bytes_read_as_latin1_as_in_json(self):
        # The HTML page reads a qid's stray byte as Latin-1 too (the browser
        # showed U+FFFD for it), so the page and the JSON name the same
        # queries; only a control byte, which HTML text cannot hold, shows as
        # U+FFFD. "x\xe9" and "x\u0100" sort one way as bytes and the other
        # way once cleaned: pairing with a baseline must still match them.
        qids = [b'q"1', b"q<2", b"q\x013", b"caf\xe9", "na\u00efve".encode(), b"x\xe9", "x\u0100".encode()]
        paths = self.write_two_doc_queries(qids)
        base = ["rank", "--qrels", paths[0], "--run", paths[1]]
        r = subprocess.run([TOOL, *base, "--format", "json", "--per-query"], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        json_names = sorted(json.loads(r.stdout.decode("utf-8"))["per_query"])
        r = subprocess.run([TOOL, *base, "--baseline", paths[1], "--format", "html"], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = r.stdout.decode("utf-8", errors="replace")  # as a browser decodes it
        table = page[page.index('<table class="sortable all">'):]
        table = table[: table.index("</table>")]
        shown = sorted(html.unescape(c) for c in re.findall(r"<tr><td>(.*?)</td>", table))
        self.assertEqual(shown, sorted(n.replace("\x01", "\ufffd") for n in json_names))
        self.assertEqual(shown, sorted(["q\"1", "q<2", "q\ufffd3", "caf\u00e9", "na\u00efve", "x\u00e9", "x\u0100"]))
        self.assertEqual(page.count("\ufffd"), page.count("q\ufffd3"))  # no other replaced byte on the page
        self.assertIn("7 (only in the run: 0, only in the baseline: 0)", page)

    def test_fail_below_gates_with_exit_3(self):
        r = rank("--qrels", QRELS, "--run", RUN, "--fail-below", "map=0.3", "--fail-below", "P_10=0.125")
        self.assertEqual(r.returncode, 0, r.stderr)  # map 0.3769, P_10 exactly 0.125: not below
        self.assertEqual(r.stdout, expected_text(QRELS, RUN))
        r = rank("--qrels", QRELS, "--run", RUN, "--fail-below", "map=0.5", "--fail-below", "success_10=0.7")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(r.stdout, expected_text(QRELS, RUN))  # the report is still printed
        self.assertIn("map 0.376", r.stderr)
        self.assertIn("is below 0.5", r.stderr)
        self.assertNotIn("success_10", r.stderr)
        r = rank("--qrels", QRELS, "--run", RUN, "-k", "1,5", "-m", "num_rel_ret", "-m", "P",
                 "--fail-below", "num_rel_ret=7", "--format", "json")
        self.assertEqual(r.returncode, 3)  # 6 relevant retrieved
        self.assertEqual(json.loads(r.stdout)["num_rel_ret"], 6)
        r = rank("--qrels", QRELS, "--run", RUN, "--format", "prometheus", "--fail-below", "ndcg_cut_10=0.9")
        self.assertEqual(r.returncode, 3)

    def test_prometheus_exports_every_cutoff(self):
        r = rank("--qrels", QRELS, "--run", RUN, "-k", "10,5", "--format", "prometheus", "--model", "m",
                 "--model-version", "v")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = parse_exposition(r.stdout)
        for k in (5, 10):
            got = json.loads(rank("--qrels", QRELS, "--run", RUN, "-k", str(k), "--format", "json").stdout)
            labels = frozenset({("model", "m"), ("model_version", "v"), ("metric", "P"), ("k", str(k))})
            self.assertEqual(s[("driftwatch_ranking_metric_count", labels)], got["num_q"])
            self.assertAlmostEqual(s[("driftwatch_ranking_metric_sum", labels)] / got["num_q"], got["P_%d" % k],
                                   delta=1e-12)

    def test_option_errors_are_usage_errors(self):
        bad = [["-k", "5,5"], ["-k", "5,"], ["-k", "0,5"], ["-m", "bpref"], ["-m", "map.5"], ["-m", "P", "-m", "P.5"],
               ["--fail-below", "map"], ["--fail-below", "map=x"], ["--fail-below", "P_5=0.1"],
               ["-m", "map", "--fail-below", "P_10=0.1"], ["-m", "map", "--format", "prometheus"]]
        for args in bad:
            r = rank("--qrels", QRELS, "--run", RUN, *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(r.stdout, "", args)
            self.assertTrue(r.stderr.startswith("driftwatch rank: "), args)

    def test_help_documents_every_exit_status(self):
        r = rank("--help")
        self.assertEqual(r.returncode, 0)
        for text in ("0 measures printed", "1 bad or unreadable input", "2 bad usage", "3 a --fail-below",
                     "-k K[,K...]", "-m MEASURE", "num_rel_ret", "standard input"):
            self.assertIn(text, r.stdout)


# ---- inputs: gzip, standard input, large files, progress ---------------------
_big_runs = {}


def big_run_text(queries, docs, seed=7):
    """queries x docs run lines (250 x 1000: ~9.5 MB), made once per process."""
    if (queries, docs, seed) in _big_runs:
        return _big_runs[(queries, docs, seed)]
    rng = random.Random(seed)
    lines = []
    for q in range(queries):
        for d in rng.sample(range(10 ** 6), docs):
            lines.append("%d Q0 DOC-%07d 1 %.3f tag" % (q + 1, d, rng.randrange(0, 2000) / 100))
    _big_runs[(queries, docs, seed)] = "\n".join(lines) + "\n"
    return _big_runs[(queries, docs, seed)]


class RankInputs(unittest.TestCase):
    """Issue 15 points 3 and 4 on the rank side."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def gzip_copy(self, src, name, members=1):
        with open(src, "rb") as f:
            data = f.read()
        with open(self.path(name), "wb") as f:
            step = (len(data) + members - 1) // members
            for i in range(members):  # `cat a.gz b.gz`: one stream per member
                f.write(gzip.compress(data[i * step:(i + 1) * step]))
        return self.path(name)

    def test_gzip_and_multi_member_gzip_read_like_plain(self):
        qrels, run = write_random_pair(self.tmp.name, 5)
        want = rank("--qrels", qrels, "--run", run, "-q").stdout
        gz_run = self.gzip_copy(run, "run.txt.gz", members=3)
        gz_qrels = self.gzip_copy(qrels, "qrels.gz")
        r = rank("--qrels", gz_qrels, "--run", gz_run, "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, want)
        # Recognised by content: a gzip file without the .gz name reads too.
        os.rename(gz_run, self.path("run_no_suffix"))
        self.assertEqual(rank("--qrels", qrels, "--run", self.path("run_no_suffix"), "-q").stdout, want)

    def test_bad_gzip_is_an_input_error(self):
        qrels, run = write_random_pair(self.tmp.name, 5)
        with open(self.gzip_copy(run, "r.gz"), "rb") as f:
            gz = f.read()
        with open(self.path("cut.gz"), "wb") as f:
            f.write(gz[: len(gz) // 2])
        r = rank("--qrels", qrels, "--run", self.path("cut.gz"))
        self.assertEqual((r.returncode, r.stdout), (1, ""))
        self.assertIn("cut.gz: truncated gzip file", r.stderr)
        with open(self.path("corrupt.gz"), "wb") as f:
            f.write(gz[:20] + bytes(b ^ 0x55 for b in gz[20:60]) + gz[60:])
        r = rank("--qrels", qrels, "--run", self.path("corrupt.gz"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("corrupt.gz: corrupt gzip data", r.stderr)
        shutil.copy(run, self.path("plain.gz"))
        r = rank("--qrels", qrels, "--run", self.path("plain.gz"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("plain.gz: not a gzip file", r.stderr)

    def test_standard_input(self):
        qrels, run = write_random_pair(self.tmp.name, 6)
        want = rank("--qrels", qrels, "--run", run, "-q").stdout
        for source, args in ((run, ["--qrels", qrels, "--run", "-"]), (qrels, ["--qrels", "-", "--run", run])):
            with open(source, "rb") as f:
                r = subprocess.run([TOOL, "rank", *args, "-q"], stdin=f, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, want)
        with open(self.gzip_copy(run, "run.gz"), "rb") as f:  # gzip on standard input
            r = subprocess.run([TOOL, "rank", "--qrels", qrels, "--run", "-", "-q"], stdin=f, capture_output=True,
                               text=True)
        self.assertEqual(r.stdout, want)
        r = subprocess.run([TOOL, "rank", "--qrels", qrels, "--run", "-"], input="1 Q0 d 1 x t\n",
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("standard input:1:10: score must be a finite number", r.stderr)
        self.assertEqual(rank("--qrels", "-", "--run", "-").returncode, 2)

    def test_large_input_errors_name_the_right_line(self):
        """A file of several 8 MiB blocks, each parsed in pieces on every
        core: line numbers and columns stay those of the file."""
        text = big_run_text(250, 1000)  # 250k lines, ~9.5 MB
        lines = text.splitlines(True)
        run = self.path("big_run.txt")
        qrels = self.path("big_qrels.txt")
        with open(qrels, "w") as f:
            f.write("".join("%d 0 %s 1\n" % (q, lines[(q - 1) * 1000 + 7].split()[2]) for q in range(1, 251)))
        with open(run, "w") as f:
            f.write(text)
        r = rank("--qrels", qrels, "--run", run, "-m", "num_ret", "-m", "num_rel_ret")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "num_ret               \tall\t250000\nnum_rel_ret           \tall\t250\n")
        bad = list(lines)
        bad[123_456] = bad[123_456].replace(" 1 ", " 1 NaN", 1)
        with open(run, "w") as f:
            f.write("".join(bad))
        r = rank("--qrels", qrels, "--run", run)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"big_run.txt:123457:\d+: score must be a finite number, got 'NaN")
        dup = list(lines)  # query 240's 3rd document again on the last line
        dup.append(lines[239_002])
        dup.insert(230_000, "# a comment line\n")
        with open(run, "w") as f:
            f.write("".join(dup))
        r = rank("--qrels", qrels, "--run", run)
        self.assertEqual(r.returncode, 1)
        docno = lines[239_002].split()[2]
        self.assertIn("big_run.txt:250002:8: duplicate document %s in the run for query 240 (first on line 239004)"
                      % docno, r.stderr)

    def slow_pipe(self, argv, text, stderr_target):
        """Runs argv reading `text` from a pipe whose writer pauses 1.3 s
        after the first 9 MB, so reading takes longer than a second."""
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_target)
        data = text.encode()
        split = 9_000_000
        p.stdin.write(data[:split])
        p.stdin.flush()
        time.sleep(1.3)
        p.stdin.write(data[split:])
        p.stdin.close()
        out = p.stdout.read()
        p.stdout.close()
        p.wait(timeout=60)
        return p.returncode, out

    def test_progress_is_silent_when_stderr_is_not_a_terminal(self):
        text = big_run_text(250, 1000)
        qrels = self.write_qrels_for(text)
        with open(self.path("err.txt"), "wb") as err:
            rc, out = self.slow_pipe([TOOL, "rank", "--qrels", qrels, "--run", "-", "-m", "num_ret"], text, err)
        self.assertEqual(rc, 0)
        self.assertEqual(out, b"num_ret               \tall\t250000\n")
        with open(self.path("err.txt"), "rb") as err:
            self.assertEqual(err.read(), b"")

    def test_progress_line_on_a_terminal(self):
        import pty
        text = big_run_text(250, 1000)
        qrels = self.write_qrels_for(text)
        master, slave = pty.openpty()
        try:
            rc, out = self.slow_pipe([TOOL, "rank", "--qrels", qrels, "--run", "-", "-m", "num_ret"], text, slave)
            os.close(slave)
            slave = None
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(rc, 0)
        self.assertEqual(out, b"num_ret               \tall\t250000\n")  # stdout untouched
        line = seen.decode().replace("\r\n", "\n").split("\r")[-1]
        self.assertRegex(line, r"^driftwatch rank: standard input: 250,000 rows, [0-9.]+ M rows/s, "
                               r"[0-9]+ MB read, [0-9.]+ s")

    def write_qrels_for(self, text):
        path = self.path("q_for_big.txt")
        with open(path, "w") as f:
            f.write("".join("%d 0 DOC-0000000 1\n" % q for q in range(1, 251)))
        return path


# ---- against a real trec_eval, when TREC_EVAL names one ---------------------
TREC_EVAL = os.environ.get("TREC_EVAL")


@unittest.skipUnless(TREC_EVAL and os.access(TREC_EVAL, os.X_OK), "TREC_EVAL not set: real trec_eval not compared")
class RankAgainstTrecEval(unittest.TestCase):
    """Byte-identical to trec_eval itself (built from usnistgov/trec_eval)."""

    def test_byte_identical_to_trec_eval(self):
        with tempfile.TemporaryDirectory() as tmp:
            for seed in (1, 2, 3, 4):
                qrels, run = write_random_pair(tmp, seed, every_judged_query_in_run=True)
                cases = [
                    ([], ["-m", "num_q", "-m", "map", "-m", "Rprec", "-m", "recip_rank", "-m", "P.10",
                          "-m", "recall.10", "-m", "ndcg_cut.10", "-m", "map_cut.10", "-m", "success.10"]),
                    (["-k", "5,10,20", "-q"], ["-q", "-m", "num_q", "-m", "map", "-m", "Rprec", "-m", "recip_rank",
                                               "-m", "P.5,10,20", "-m", "recall.5,10,20", "-m", "ndcg_cut.5,10,20",
                                               "-m", "map_cut.5,10,20", "-m", "success.5,10,20"]),
                    (["-m", "num_ret", "-m", "num_rel", "-m", "num_rel_ret", "-m", "P.1,3", "-q", "-l", "2"],
                     ["-m", "num_ret", "-m", "num_rel", "-m", "num_rel_ret", "-m", "P.1,3", "-q", "-l", "2"]),
                ]
                for ours, theirs in cases:
                    mine = rank("--qrels", qrels, "--run", run, *ours)
                    real = subprocess.run([TREC_EVAL, *theirs, qrels, run], capture_output=True, text=True)
                    self.assertEqual(real.returncode, 0, real.stderr)
                    self.assertEqual(mine.returncode, 0, mine.stderr)
                    self.assertEqual(mine.stdout, real.stdout, "seed %d %s" % (seed, ours))


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
