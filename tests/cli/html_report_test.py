"""The HTML reports of `driftwatch drift|rank --format html`, rendered in a real
browser (docs/report.md).

For a small report (the bundled examples/data) and one of 100 features, and for
the ranking report with and without a baseline:
- the file parses without a single error under html5lib's strict parser, and
  holds no URL of any kind (no http:, https:, //, url(), @import, src=);
- headless Chromium, in a network namespace with no network (when the kernel
  allows one) and with every host unresolvable, renders it; from the DOM it
  dumps (scripts on; scripts off: the html5lib tree, and Chromium's layout
  of the page with its script removed): every feature has its
  histogram, numeric ones their two ECDFs with the KS mark, every metric row a
  verdict, and the verdicts, their order (drifted first), the KS statistic and
  the paired t-test agree with `--format json` and with SciPy;
- a screenshot is not blank: enough non-white pixels, and pixels of both
  series' colours (decoded here with zlib + NumPy), with and without script;
- every <svg> is role="img" with a leading, non-empty <title>;
- at 390 CSS px (in a frame of that width) the page does not overflow sideways;
- the series colours stay apart under simulated colour-vision deficiencies and
  the verdict colours have WCAG contrast >= 4.5 on white;
- `-o FILE` writes exactly what standard output gets, for every format;
- past --memory-budget the page says its current ECDF is approximate while the
  KS mark stays exact (SciPy), and --fail-on-drift gives 3 / 4 with html too.

Cost: about 10 s of CPU (10.3 s measured at load 6; 10 Chromium runs of ~0.6 s each; html5lib parsing
the 100-feature page twice, ~1.4 s each; the CLI runs take 0.2 s in all). Exits 77 (ctest SKIP_RETURN_CODE) when Chromium is absent.

Run: /usr/bin/python3 tests/cli/html_report_test.py --driftwatch build/dev/src/cli/driftwatch
"""

import argparse
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zlib

import html5lib
import numpy as np
import scipy.stats

DRIFTWATCH = None
CHROMIUM = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "examples", "data")
SKIP = 77
NO_NETWORK_NAMESPACE = None  # can `unshare -rn` give Chromium a namespace without network?


# ---------------------------------------------------------------- inputs

def write_wide_csvs(directory, features=100, rows=2000, seed=14):
    """A reference and a current CSV of `features` columns: numeric ones
    (some shifted, some with NaN/inf/empty cells), categorical ones (some with
    many categories, so the report folds them), one whose current column is
    empty (not comparable), and a header needing HTML escaping."""
    rng = np.random.default_rng(seed)
    names, ref_cols, cur_cols = [], [], []
    for i in range(features):
        kind = i % 10
        if i == features - 1:
            names.append('<b>&"odd\' name')
        elif i == features - 2:
            names.append("empty_now")
        else:
            names.append(f"f{i:03d}_" + ("cat" if kind >= 7 else "num"))
        if i == features - 2:
            ref_cols.append([f"{x:.4f}" for x in rng.normal(size=rows)])
            cur_cols.append([""] * rows)
        elif kind >= 7:
            k = 4 if kind == 7 else 40
            p = rng.dirichlet(np.ones(k))
            q = p if i % 3 else rng.dirichlet(np.ones(k))
            ref_cols.append([f"c{c}" for c in rng.choice(k, size=rows, p=p)])
            cur = [f"c{c}" for c in rng.choice(k, size=rows, p=q)]
            if kind == 9:
                cur[:5] = ["brand-new"] * 5
            cur_cols.append(cur)
        else:
            shift = 0.4 if i % 4 == 0 else 0.0
            ref = [f"{x:.5g}" for x in rng.normal(10, 2, size=rows)]
            cur = [f"{x:.5g}" for x in rng.normal(10 + shift * 2, 2, size=rows)]
            if kind == 1:
                ref[:3] = ["", "nan", "inf"]
                cur[:4] = ["", "", "-inf", "1e9"]
            ref_cols.append(ref)
            cur_cols.append(cur)
    paths = []
    for tag, cols in (("reference", ref_cols), ("current", cur_cols)):
        path = os.path.join(directory, f"wide_{tag}.csv")
        with open(path, "w") as f:
            f.write(",".join('"' + n.replace('"', '""') + '"' for n in names) + "\n")
            for r in range(rows):
                f.write(",".join(c[r] for c in cols) + "\n")
        paths.append(path)
    return paths


def write_runs(directory, queries=60, seed=3):
    """qrels and two runs of the same queries: the canary ranks relevant
    documents higher than the baseline does."""
    rng = np.random.default_rng(seed)
    qrels, canary, baseline = [], [], []
    for q in range(queries):
        qid = f"q{q:03d}"
        rel = (rng.random(30) < 0.2) * rng.integers(1, 4, size=30)
        for d in range(30):
            qrels.append(f"{qid} 0 d{d} {rel[d]}")
            canary.append(f"{qid} Q0 d{d} 0 {rng.normal() + 0.8 * rel[d]:.4f} canary")
            baseline.append(f"{qid} Q0 d{d} 0 {rng.normal() + 0.4 * rel[d]:.4f} baseline")
    baseline.append("q999 Q0 dx 0 1.0 baseline")  # a query not judged: not evaluated
    paths = []
    for name, lines in (("qrels.txt", qrels), ("canary.txt", canary), ("baseline.txt", baseline)):
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- browser

def chromium_command(user_dir, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={user_dir}",
           # No network: every host unresolvable, every proxy fetch refused...
           "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", *args]
    # ...and, where the kernel allows it, no network interface at all.
    global NO_NETWORK_NAMESPACE
    if NO_NETWORK_NAMESPACE is None:
        NO_NETWORK_NAMESPACE = bool(shutil.which("unshare")) and subprocess.run(
            ["unshare", "-rn", "true"], capture_output=True).returncode == 0
    return (["unshare", "-rn"] if NO_NETWORK_NAMESPACE else []) + cmd


def chromium(tmp, *args):
    user_dir = tempfile.mkdtemp(dir=tmp, prefix="chromium-profile-")
    r = subprocess.run(chromium_command(user_dir, *args), capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"chromium failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def dump_dom(tmp, path):
    """The DOM Chromium built (after the page's scripts ran)."""
    text = chromium(tmp, "--dump-dom", "file://" + path)
    assert text.startswith("<!DOCTYPE html>"), text[:200]
    return html5lib.parse(text, namespaceHTMLElements=False)


def read_png(path):
    """RGB(A) 8-bit non-interlaced PNG -> uint8 array (h, w, channels)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(h):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int64)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: a running sum along the row, per channel
            cur = np.cumsum(line.reshape(w, bpp), axis=0).reshape(-1) % 256
        elif kind == 2:  # Up
            cur = (line + prev) % 256
        else:  # Average, Paeth: each byte needs the byte reconstructed before it
            cur, p, ln = [0] * stride, prev.tolist(), line.tolist()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = p[i]
                if kind == 3:
                    cur[i] = (ln[i] + (a + b) // 2) & 255
                else:
                    c = p[i - bpp] if i >= bpp else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur[i] = (ln[i] + pred) & 255
            cur = np.array(cur, dtype=np.int64)
        out[y] = cur
        prev = cur
    return out.reshape(h, w, bpp)


# ---------------------------------------------------------------- page checks

def classes(el):
    return (el.get("class") or "").split()


def local(tag):
    """The element name without html5lib's namespace (SVG elements keep theirs)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def find_all(root, tag, cls=None):
    return [e for e in root.iter() if local(e.tag) == tag and (cls is None or cls in classes(e))]


def first(root, tag):
    found = find_all(root, tag)
    return found[0] if found else None


def text_of(el):
    return "".join(el.itertext()).strip()


class Page:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = f.read()
        self.text = self.raw.decode("utf-8")


class ReportTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="driftwatch-html-")
        cls.wide_ref, cls.wide_cur = write_wide_csvs(cls.tmp)
        cls.qrels, cls.canary, cls.baseline = write_runs(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cli(self, *args, expect=0):
        r = subprocess.run([DRIFTWATCH, *args], capture_output=True)
        self.assertEqual(r.returncode, expect, r.stderr.decode())
        return r

    def drift_html(self, ref, cur, name, *extra):
        out = os.path.join(self.tmp, name)
        self.cli("drift", "--reference", ref, "--current", cur, "--format", "html", "-o", out, *extra)
        js = json.loads(self.cli("drift", "--reference", ref, "--current", cur, "--format", "json", *extra).stdout)
        return out, js

    # -- static: parse, self-contained, size
    def check_static(self, path):
        page = Page(path)
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        page.dom = parser.parse(page.raw)  # raises html5lib.html5parser.ParseError on any error
        self.assertEqual(parser.errors, [])
        for pattern in (r"https?:", r"//", r"url\(", r"@import", r"\ssrc=", r"<link", r"<iframe", r"<img"):
            hits = re.findall(r".{0,40}" + pattern + r".{0,40}", page.text)
            self.assertEqual(hits, [], f"{path}: a URL or external reference ({pattern})")
        for href in re.findall(r'href="([^"]*)"', page.text):
            self.assertTrue(href.startswith("#"), f"{path}: a link that leaves the page: {href}")
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page.text).group(1)
        self.assertEqual(csp, "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
        # every plot is an image to assistive technology, its first child a title saying what it shows
        svgs = find_all(page.dom, "svg")
        self.assertGreater(len(svgs), 0)
        for svg in svgs:
            self.assertEqual(svg.get("role"), "img")
            self.assertEqual(local(svg[0].tag) if len(svg) else None, "title", "an <svg> without a leading <title>")
            self.assertTrue(text_of(svg[0]))
        return page

    def without_scripts(self, path):
        """The page as a browser with JavaScript disabled shows it: its one inline
        <script> removed (it has no <noscript> content). Headless Chromium 156
        with --blink-settings=scriptEnabled=false writes neither a DOM dump nor
        a screenshot, so the scripts are taken out of the page instead."""
        with open(path) as f:
            text = f.read()
        self.assertEqual(text.count("<script>"), 1)
        self.assertNotIn("<noscript", text)
        out = path[:-len(".html")] + "-noscript.html"
        with open(out, "w") as f:
            f.write(re.sub(r"<script>.*?</script>", "", text, flags=re.S))
        return out

    def check_screenshot(self, path, width=1000, height=1600, scale=0.5):
        png = os.path.join(self.tmp, os.path.basename(path) + ".png")
        chromium(self.tmp, f"--window-size={width},{height}", f"--force-device-scale-factor={scale}",
                 f"--screenshot={png}", "file://" + path)
        img = read_png(png)[:, :, :3].astype(int)
        self.assertGreaterEqual(img.shape[0] * img.shape[1], round(height * scale) * round(width * scale))
        non_white = np.mean(np.any(img < 235, axis=2))
        self.assertGreater(non_white, 0.04, f"{png}: only {non_white:.1%} of the pixels are not white")
        # the filled reference bars (#0072B2 at 50% on white) and the current outline (#D55E00)
        ref = np.sum(np.all(np.abs(img - [128, 185, 217]) < 30, axis=2))
        cur = np.sum(np.all(np.abs(img - [213, 94, 0]) < 40, axis=2))
        self.assertGreater(ref, 200, "no reference-coloured pixels: the plots did not render")
        self.assertGreater(cur, 100, "no current-coloured pixels: the plots did not render")

    # -- DOM: each feature has its plots and verdict, in the JSON's order and verdicts
    def check_drift_dom(self, dom, js, scripts):
        sections = [s for s in find_all(dom, "section", "feature")]
        by_name = {f["name"]: f for f in js["features"]}
        self.assertEqual(len(sections), len(js["features"]))
        self.assertEqual(sorted(s.get("data-feature") for s in sections), sorted(by_name))
        groups = []
        for s in sections:
            f = by_name[s.get("data-feature")]
            # n/a: not compared, or too few current values to call it ok (the gate fails closed)
            want = "drift" if f["drift"] else (
                "na" if f["invalid_reason"] or f["status"] == "insufficient_data" else "ok")
            self.assertEqual(s.get("data-verdict"), want, f["name"])
            badge = [b for b in find_all(s, "span", "verdict")]
            self.assertEqual(len(badge), 1, f["name"])
            self.assertEqual(text_of(badge[0]).split()[-1], {"drift": "DRIFT", "ok": "OK", "na": "N/A"}[want])
            groups.append({"drift": 0, "ok": 1, "na": 2}[want])
            hist = find_all(s, "svg", "hist")
            self.assertEqual(len(hist), 1, f"{f['name']}: histogram")
            self.assertIsNotNone(first(hist[0], "title"))
            bins = find_all(hist[0], "g", "bin")
            self.assertGreater(len(bins), 0)
            for b in bins:
                self.assertTrue(text_of(first(b, "title")), "every bar has a title")
            if f["kind"] == "numeric":
                ecdf = find_all(s, "svg", "ecdf")
                self.assertEqual(len(ecdf), 1, f"{f['name']}: ECDF plot")
                paths = {tuple(classes(p)) for p in find_all(ecdf[0], "path")}
                if f["n_current"]:
                    self.assertEqual(paths, {("ref",), ("cur",)}, f["name"])
                if f["ks_statistic"] is not None:
                    ks = find_all(ecdf[0], "g", "ks")
                    self.assertEqual(len(ks), 1, f"{f['name']}: KS mark")
                    d = float(ks[0].get("data-d"))
                    self.assertEqual(d, f["ks_statistic"])
                    gap = abs(float(ks[0].get("data-fref")) - float(ks[0].get("data-fcur")))
                    # the mark sits where the ECDFs differ by D (D is on the lcm lattice)
                    self.assertAlmostEqual(gap, d, delta=1e-9, msg=f["name"])
            else:
                self.assertEqual(find_all(s, "svg", "ecdf"), [])
                self.assertLessEqual(len(bins), 12, "categories beyond the top 12 are folded")
            rows = find_all(s, "table", "metrics")[0].find("tbody").findall("tr")
            # PSI, JS distance, JS divergence, Hellinger, the test's statistic and
            # p-value, the missing-rate change; numeric ones also Wasserstein-1
            self.assertEqual(len(rows), 8 if f["kind"] == "numeric" else 7)
            for row in rows:
                cells = row.findall("td")
                self.assertIn(classes(cells[3])[1], ("drift", "ok", "na", "info"))
                self.assertTrue(text_of(cells[2]), "every metric has its threshold (or says it has none)")
            verdicts = {text_of(r.findall("td")[0]): classes(r.findall("td")[3])[1] for r in rows}
            self.assertEqual(verdicts["PSI"] == "drift", "psi" in f["drift_reasons"], f["name"])
            self.assertEqual(verdicts["Jensen-Shannon distance"] == "drift", "js" in f["drift_reasons"])
            test = "ks" if f["kind"] == "numeric" else "chi2"
            p_row = [v for k, v in verdicts.items() if k.startswith("KS p-value" if test == "ks" else "chi-square p-value")]
            self.assertEqual(p_row == ["drift"], test in f["drift_reasons"], f["name"])
            self.assertEqual(verdicts["missing-value rate change"] == "drift", "missing_rate" in f["drift_reasons"],
                             f["name"])
            counts = text_of(find_all(s, "p", "counts")[0])
            self.assertIn(f"{f['n_missing_current']} missing", counts)
            self.assertIn(f"{f['n_invalid_current']} invalid", counts)
        self.assertEqual(groups, sorted(groups), "drifted features first")
        filt = dom.find(".//div[@id='filter']")
        self.assertEqual(len(filt.findall(".//input")), 1 if scripts else 0)

    def test_small_drift_report(self):
        path, js = self.drift_html(os.path.join(DATA, "reference.csv"), os.path.join(DATA, "current.csv"), "small.html")
        page = self.check_static(path)
        self.check_drift_dom(dump_dom(self.tmp, path), js, True)
        # Without any script: the tree html5lib built from the file (Chromium's
        # --dump-dom itself needs scripts, so it cannot show this case).
        self.check_drift_dom(page.dom, js, False)
        self.check_screenshot(path)
        # ...and as Chromium lays it out with no script: the same plots and
        # verdicts, and a screenshot that is not blank
        nojs = self.without_scripts(path)
        self.check_drift_dom(dump_dom(self.tmp, nojs), js, False)
        self.check_screenshot(nojs)
        # the KS mark is where SciPy puts it
        import csv
        cols = {}
        for tag in ("reference", "current"):
            with open(os.path.join(DATA, tag + ".csv"), newline="") as f:
                rows = list(csv.reader(f))
            cols[tag] = {h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}
        for s in find_all(page.dom, "section", "feature"):
            if s.get("data-kind") != "numeric":
                continue
            name = s.get("data-feature")
            ref = np.array([float(c) for c in cols["reference"][name] if c])
            cur = np.array([float(c) for c in cols["current"][name] if c])
            want = scipy.stats.ks_2samp(ref, cur)
            ks = find_all(s, "g", "ks")[0]
            self.assertAlmostEqual(float(ks.get("data-x")), float(want.statistic_location), places=12)
            self.assertAlmostEqual(float(ks.get("data-fref")), np.mean(ref <= want.statistic_location), places=12)
            # the caption's direction: a lower current ECDF means larger current values
            larger = np.mean(cur <= want.statistic_location) < np.mean(ref <= want.statistic_location)
            caption = text_of(find_all(s, "figcaption")[1])  # the second figure is the ECDFs
            self.assertIn("current values run " + ("larger" if larger else "smaller"), caption)

    def test_hundred_feature_report(self):
        path, js = self.drift_html(self.wide_ref, self.wide_cur, "wide.html", "--correction", "bh")
        page = self.check_static(path)
        size = os.path.getsize(path)
        self.assertLess(size, 1_000_000, f"the 100-feature report is {size} bytes")
        self.assertEqual(len(js["features"]), 100)
        self.assertTrue(any(f["drift"] for f in js["features"]) and not all(f["drift"] for f in js["features"]))
        self.assertTrue(any(f["invalid_reason"] for f in js["features"]))
        self.check_drift_dom(dump_dom(self.tmp, path), js, True)
        self.check_drift_dom(page.dom, js, False)
        self.check_screenshot(path, width=800, height=5000)  # the plots start below the 100-row table
        text = page.text
        self.assertIn("&lt;b&gt;&amp;&quot;odd&#39; name", text)
        self.assertIn("Benjamini-Hochberg", text)
        self.assertRegex(text, r"other \(\d+ categories\)")

    def test_rank_report(self):
        out = os.path.join(self.tmp, "rank.html")
        self.cli("rank", "--qrels", self.qrels, "--run", self.canary, "--format", "html", "-o", out)
        self.check_static(out)
        dom = dump_dom(self.tmp, out)
        js = json.loads(self.cli("rank", "--qrels", self.qrels, "--run", self.canary, "--format", "json",
                                 "--per-query").stdout)
        measures = [k for k in js if k not in ("num_q", "per_query")]
        rows = find_all(dom, "table", "measures")[0].find("tbody").findall("tr")
        self.assertEqual([r.get("data-measure") for r in rows], measures)
        for r in rows:
            self.assertAlmostEqual(float(r.findall("td")[1].get("data-s")), js[r.get("data-measure")], places=12)
        figs = find_all(dom, "figure", "measure")
        self.assertEqual([f.get("data-measure") for f in figs], measures)
        for f in figs:
            bins = find_all(f, "g", "bin")
            self.assertEqual(len(bins), 10)
            total = sum(int(re.search(r"\((\d+) queries\)", text_of(first(b, "title"))).group(1)) for b in bins)
            self.assertEqual(total, js["num_q"])
        best = find_all(dom, "table", "best")[0].find("tbody").findall("tr")
        worst = find_all(dom, "table", "worst")[0].find("tbody").findall("tr")
        aps = sorted(v["map"] for v in js["per_query"].values())
        self.assertEqual(len(best), 5)
        self.assertAlmostEqual(float(best[0].findall("td")[1].get("data-s")), aps[-1], places=12)
        self.assertAlmostEqual(float(worst[0].findall("td")[1].get("data-s")), aps[0], places=12)
        self.assertEqual(len(find_all(dom, "table", "all")[0].find("tbody").findall("tr")), js["num_q"])

    def test_rank_report_with_baseline(self):
        out = os.path.join(self.tmp, "canary.html")
        self.cli("rank", "--qrels", self.qrels, "--run", self.canary, "--baseline", self.baseline,
                 "--format", "html", "-o", out)
        self.check_static(out)
        dom = dump_dom(self.tmp, out)
        per = {}
        for run in (self.canary, self.baseline):
            per[run] = json.loads(self.cli("rank", "--qrels", self.qrels, "--run", run, "--format", "json",
                                           "--per-query").stdout)["per_query"]
        qids = sorted(set(per[self.canary]) & set(per[self.baseline]))
        rows = find_all(dom, "table", "measures")[0].find("tbody").findall("tr")
        self.assertEqual(len(rows), 8)
        for r in rows:
            m = r.get("data-measure")
            c = np.array([per[self.canary][q][m] for q in qids])
            b = np.array([per[self.baseline][q][m] for q in qids])
            p = next(td for td in r.findall("td") if td.get("data-p") is not None).get("data-p")
            if np.all(c - b == (c - b)[0]):
                self.assertEqual(p, "nan")  # zero variance: the library says why, no p-value
                continue
            want = scipy.stats.ttest_rel(c, b)
            self.assertAlmostEqual(float(p), want.pvalue, delta=1e-9 * max(1.0, want.pvalue), msg=m)
            t = next(td for td in r.findall("td") if td.get("data-t") is not None).get("data-t")
            self.assertAlmostEqual(float(t), want.statistic, delta=1e-9 * max(1.0, abs(want.statistic)))
            verdict = text_of(r.findall("td")[-4])
            self.assertIn("better" if want.pvalue < 0.05 and want.statistic > 0 else
                          "worse" if want.pvalue < 0.05 else "no significant", verdict)
        diffs = find_all(dom, "figure", "difference")
        self.assertEqual(len(diffs), 8)
        for f in diffs:
            total = sum(int(re.search(r"\((\d+) queries\)", text_of(first(b, "title"))).group(1))
                        for b in find_all(f, "g", "bin"))
            self.assertEqual(total, len(qids))
        best = find_all(dom, "table", "best")[0].find("tbody").findall("tr")
        d = sorted(per[self.canary][q]["map"] - per[self.baseline][q]["map"] for q in qids)
        self.assertAlmostEqual(float(best[0].findall("td")[1].get("data-s")), d[-1], places=12)
        self.check_screenshot(out)

    def test_rank_gate(self):
        """--fail-below: the page says whether the gate passed, and the exit
        status is the text report's (3 when a measure is below its floor; no browser needed)."""
        args = ("rank", "--qrels", self.qrels, "--run", self.canary, "--format", "html")
        means = json.loads(self.cli("rank", "--qrels", self.qrels, "--run", self.canary, "--format", "json").stdout)
        for floors, expect in (((f"map={means['map'] + 0.01}", "P_10=0"), 3), (("map=0", "P_10=0"), 0)):
            out = os.path.join(self.tmp, f"gate{expect}.html")
            gates = [a for f in floors for a in ("--fail-below", f)]
            self.cli(*args, *gates, "-o", out, expect=expect)
            self.cli("rank", "--qrels", self.qrels, "--run", self.canary, *gates, expect=expect)
            gate = text_of(self.check_static(out).dom.find(".//div[@id='gate']"))
            if expect:
                self.assertRegex(gate, r"▼ failed: map [0-9.]+ is below [0-9.]+ \(exit status 3\)$")
                self.assertNotIn("P_10", gate)
            else:
                self.assertEqual(gate, "Gate (--fail-below)✓ passed: map >= 0, P_10 >= 0")

    def test_many_bins_are_drawn_in_runs(self):
        """--bins 400: at most 50 bars per histogram, every value still counted
        once, the caption says how the bins were grouped (no browser needed)."""
        path, js = self.drift_html(os.path.join(DATA, "reference.csv"), os.path.join(DATA, "current.csv"),
                                   "bins.html", "--bins", "400")
        page = self.check_static(path)
        by_name = {f["name"]: f for f in js["features"]}
        numeric = [s for s in find_all(page.dom, "section", "feature") if s.get("data-kind") == "numeric"]
        self.assertTrue(numeric)
        grouped = 0
        for s in numeric:
            bins = find_all(find_all(s, "svg", "hist")[0], "g", "bin")
            self.assertLessEqual(len(bins), 50)
            counts = [re.search(r"reference [0-9.]+% \((\d+)\), current [0-9.]+% \((\d+)\)$",
                                text_of(first(b, "title"))).groups() for b in bins]
            f = by_name[s.get("data-feature")]
            self.assertEqual(sum(int(r) for r, _ in counts), f["n_reference"])
            self.assertEqual(sum(int(c) for _, c in counts), f["n_current"])
            frozen = int(re.search(r"on the (\d+) bins frozen", text_of(first(s, "title"))).group(1))
            if frozen > 50:
                grouped += 1
                self.assertRegex(text_of(first(s, "figcaption")), r"bins are drawn in runs of \d+ adjacent bins")
            else:
                self.assertEqual(len(bins), frozen)
        self.assertGreater(grouped, 0)

    def test_narrow_screen(self):
        """At 390 CSS px (a phone) the page does not overflow sideways: plots
        shrink to one column, wide tables scroll inside their own box."""
        path, _ = self.drift_html(os.path.join(DATA, "reference.csv"), os.path.join(DATA, "current.csv"),
                                  "narrow.html")
        self.check_narrow(path, "svg.ecdf")
        # the ranking report with a baseline: its measures table has 13 columns
        rank = os.path.join(self.tmp, "narrow-rank.html")
        self.cli("rank", "--qrels", self.qrels, "--run", self.canary, "--baseline", self.baseline,
                 "--format", "html", "-o", rank)
        self.check_narrow(rank, "figure.measure svg")

    def check_narrow(self, path, plot):
        # The report in a 390 px wide frame (srcdoc: same origin, so the
        # wrapper's script can measure the report's layout).
        with open(path) as f:
            report = f.read()
        probe = os.path.join(self.tmp, "narrow-probe.html")
        with open(probe, "w") as g:
            g.write("<!DOCTYPE html><title>probe</title><body style=margin:0><iframe id=f style='border:0;"
                    "width:390px;height:800px' srcdoc=\"" + html.escape(report, quote=True) + "\"></iframe>"
                    "<script>addEventListener('load',function(){var w=document.getElementById('f').contentWindow,"
                    "d=w.document.documentElement,b=document.body;b.setAttribute('data-sw',d.scrollWidth);"
                    "b.setAttribute('data-cw',d.clientWidth);b.setAttribute('data-svgw',Math.round(w.document."
                    "querySelector('" + plot + "').getBoundingClientRect().width))});</script>")
        dom = html5lib.parse(chromium(self.tmp, "--window-size=800,900", "--dump-dom", "file://" + probe),
                             namespaceHTMLElements=False)
        body = dom.find("body")
        scroll, client, svg = (int(body.get(k)) for k in ("data-sw", "data-cw", "data-svgw"))
        self.assertLessEqual(client, 390)
        self.assertLessEqual(scroll, client, f"{path}: the page is wider than a 390 px screen")
        self.assertGreater(svg, 0.6 * client, "on a narrow screen a plot takes the full width")

    def test_colour_blind_safe(self):
        """The two series' colours stay far apart (CIELAB distance > 40) for
        readers with protanopia, deuteranopia or tritanopia (Machado, Oliveira
        and Fernandes 2009, severity 1), and the verdict colours read on white
        (WCAG contrast >= 4.5)."""
        path, _ = self.drift_html(os.path.join(DATA, "reference.csv"), os.path.join(DATA, "current.csv"),
                                  "colours.html")
        css = Page(path).text
        var = dict(re.findall(r"--(ref|cur|ok|drift|na):#([0-9A-Fa-f]{6})", css))
        rgb = {k: np.array([int(v[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) for k, v in var.items()}
        opacity = float(re.search(r"svg \.r\{fill:#0072B2;fill-opacity:([.0-9]+)\}", css).group(1))
        self.assertEqual(var["ref"].upper(), "0072B2")
        filled_ref = rgb["ref"] * opacity + 255 * (1 - opacity)  # the filled bars, on white

        def linear(c):
            c = np.asarray(c) / 255
            return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

        def lab(lin):
            xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ \
                np.clip(lin, 0, 1)
            t = xyz / np.array([0.95047, 1.0, 1.08883])
            f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
            return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

        machado = {
            "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                           [-0.003882, -0.048116, 1.051998]],
            "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                             [-0.011820, 0.042940, 0.968881]],
            "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                           [0.004733, 0.691367, 0.303900]],
            "typical": np.eye(3),
        }
        for name, m in machado.items():
            m = np.array(m)
            for a, b in ((filled_ref, rgb["cur"]), (rgb["ref"], rgb["cur"])):
                d = np.linalg.norm(lab(m @ linear(a)) - lab(m @ linear(b)))
                self.assertGreater(d, 40, f"{name}: reference and current colours {d:.0f} apart")

        def luminance(c):
            return float(np.array([0.2126, 0.7152, 0.0722]) @ linear(c))

        for k in ("ok", "drift", "na"):
            contrast = (1.05) / (luminance(rgb[k]) + 0.05)
            self.assertGreaterEqual(contrast, 4.5, f"verdict colour --{k} on white: contrast {contrast:.2f}")

    def test_memory_budget_and_exit_codes(self):
        """Past --memory-budget the current values are summarised: the page says
        its current ECDF is approximate, and the KS mark stays exact (SciPy).
        --fail-on-drift gives 3 on drift and 4 on an unchecked feature with html
        as with every format (no browser needed)."""
        import csv
        ref, cur = os.path.join(DATA, "reference.csv"), os.path.join(DATA, "current.csv")
        path, js = self.drift_html(ref, cur, "budget.html", "--memory-budget", "1K")
        page = self.check_static(path)
        cols = {}
        for tag, p in (("reference", ref), ("current", cur)):
            with open(p, newline="") as f:
                rows = list(csv.reader(f))
            cols[tag] = {h: [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}
        by_name = {f["name"]: f for f in js["features"]}
        numeric = [s for s in find_all(page.dom, "section", "feature") if s.get("data-kind") == "numeric"]
        self.assertTrue(numeric)
        for s in numeric:
            name = s.get("data-feature")
            f = by_name[name]
            if f["n_current"] is None:
                continue  # absent from the current file
            self.assertTrue(f["current_values_summarised"], name)
            self.assertIn("the current ECDF is approximate", text_of(find_all(s, "figcaption")[1]))
            a = np.array([float(c) for c in cols["reference"][name] if c])
            b = np.array([float(c) for c in cols["current"][name] if c])
            want = scipy.stats.ks_2samp(a, b)
            ks = find_all(s, "g", "ks")[0]
            self.assertAlmostEqual(float(ks.get("data-d")), want.statistic, places=12)
            self.assertAlmostEqual(float(ks.get("data-x")), float(want.statistic_location), places=12)
            self.assertAlmostEqual(float(ks.get("data-fcur")), np.mean(b <= want.statistic_location), places=12)
            w1 = [r for r in find_all(s, "table", "metrics")[0].find("tbody").findall("tr")
                  if text_of(r.findall("td")[0]) == "Wasserstein-1 distance"]
            self.assertIn("--memory-budget reached", text_of(w1[0].findall("td")[4]))
        out = os.path.join(self.tmp, "gate.html")
        self.cli("drift", "--reference", ref, "--current", cur, "--format", "html", "-o", out, "--fail-on-drift",
                 expect=3)
        self.cli("drift", "--reference", ref, "--current", cur, "--format", "html", "-o", out, "--fail-on-drift",
                 "--columns", "session_seconds,legacy_segment", expect=4)
        with open(out) as f:
            text = f.read()
        self.assertIn("NO DRIFT", text)
        self.assertIn("could not be checked", text)
        # fewer valid current values than --min-samples: metrics shown, verdict n/a
        # (not ok), listed after the checked features, and exit status 4 as in text
        path, js = self.drift_html(ref, cur, "few.html", "--min-samples", "1480")
        page = self.check_static(path)
        self.check_drift_dom(page.dom, js, False)
        few = [f["name"] for f in js["features"] if f["status"] == "insufficient_data" and not f["drift"]]
        self.assertEqual(few, ["user_age"])
        s = [s for s in find_all(page.dom, "section", "feature") if s.get("data-feature") == "user_age"][0]
        self.assertEqual(s.get("data-verdict"), "na")
        self.assertIn("than --min-samples (1480): insufficient data", text_of(first(s, "h3")))
        self.assertEqual(len(find_all(s, "table", "metrics")), 1)
        self.cli("drift", "--reference", ref, "--current", cur, "--format", "html", "-o", out, "--fail-on-drift",
                 "--columns", "user_age", "--min-samples", "1480", expect=4)

    def test_output_file_for_every_format(self):
        ref, cur = os.path.join(DATA, "reference.csv"), os.path.join(DATA, "current.csv")
        for fmt in ("text", "json", "prometheus", "openmetrics", "html"):
            out = os.path.join(self.tmp, "out." + fmt)
            stdout = self.cli("drift", "--reference", ref, "--current", cur, "--format", fmt).stdout
            r = self.cli("drift", "--reference", ref, "--current", cur, "--format", fmt, "--output", out)
            self.assertEqual(r.stdout, b"")
            with open(out, "rb") as f:
                self.assertEqual(f.read(), stdout, fmt)
        for fmt in ("text", "json", "prometheus", "openmetrics", "html"):
            out = os.path.join(self.tmp, "rank." + fmt)
            args = ("rank", "--qrels", os.path.join(DATA, "qrels.txt"), "--run", os.path.join(DATA, "run.txt"),
                    "--format", fmt)
            stdout = self.cli(*args).stdout
            self.assertEqual(self.cli(*args, "-o", out).stdout, b"")
            with open(out, "rb") as f:
                self.assertEqual(f.read(), stdout, fmt)
        bad = os.path.join(self.tmp, "no-such-dir", "report.html")
        r = self.cli("drift", "--reference", ref, "--current", cur, "--format", "html", "-o", bad, expect=1)
        self.assertRegex(r.stderr.decode(), r"^driftwatch drift: cannot write .*no-such-dir/report.html: ")
        r = self.cli("rank", "--qrels", os.path.join(DATA, "qrels.txt"), "--run", os.path.join(DATA, "run.txt"),
                     "--baseline", os.path.join(DATA, "run.txt"), expect=2)
        self.assertIn("--baseline needs --format html", r.stderr.decode())
        # a bad baseline is an error naming it, and leaves the output file as it was
        keep = os.path.join(self.tmp, "keep.html")
        bad_run = os.path.join(self.tmp, "bad.run")
        with open(keep, "w") as f:
            f.write("kept")
        with open(bad_run, "w") as f:
            f.write("q1 Q0 d1\n")
        r = self.cli("rank", "--qrels", os.path.join(DATA, "qrels.txt"), "--run", os.path.join(DATA, "run.txt"),
                     "--baseline", bad_run, "--format", "html", "-o", keep, expect=1)
        self.assertIn("bad.run:1:", r.stderr.decode())
        with open(keep) as f:
            self.assertEqual(f.read(), "kept")


def main():
    global DRIFTWATCH, CHROMIUM
    parser = argparse.ArgumentParser()
    parser.add_argument("--driftwatch", required=True)
    args, rest = parser.parse_known_args()
    DRIFTWATCH = os.path.abspath(args.driftwatch)
    CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
    if not CHROMIUM:
        print("SKIP: no chromium on PATH (tools/bootstrap.sh installs Debian's chromium); "
              "the HTML reports were not rendered")
        sys.exit(SKIP)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
