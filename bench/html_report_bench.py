"""How light and fast the HTML reports are (docs/report.md, issue 14):

- the size of the 100-feature drift report, and the CLI's wall time to write it
  (the whole `driftwatch drift ... --format html -o FILE`: reading both CSVs,
  the metrics, the page), median of 7 runs;
- headless Chromium's time to open and render it: the page's own clock from
  navigation start to the load event (layout of every inline SVG included),
  and the wall time of a whole `chromium --screenshot` run of the report
  minus that of an empty page (process start-up excluded), medians of 5.

With --screenshots DIR it also writes the screenshots docs/report.md shows.
Not a test: numbers depend on the machine and its load (printed with them).

Run (after `cmake --preset release && cmake --build --preset release --target driftwatch-cli`):
    /usr/bin/python3 bench/html_report_bench.py --driftwatch build/release/src/cli/driftwatch
    /usr/bin/python3 bench/html_report_bench.py --driftwatch build/release/src/cli/driftwatch --screenshots docs/img
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
import html_report_test as t  # noqa: E402  (the test's data generators and Chromium flags)

DATA = os.path.join(ROOT, "examples", "data")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wall(cmd, repeat):
    """Median wall time and median CPU time (user + sys, the process and its
    children: less sensitive to other jobs' load than wall time)."""
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), children_cpu()
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        times.append(time.perf_counter() - start)
        cpu.append(children_cpu() - start_cpu)
    return statistics.median(times), statistics.median(cpu)


def chromium_wall(tmp, url, repeat, *extra):
    times, cpu = [], []
    for i in range(repeat):
        profile = tempfile.mkdtemp(dir=tmp, prefix="profile-")
        png = os.path.join(tmp, f"shot{i}.png")
        cmd = t.chromium_command(profile, "--window-size=1100,1600", f"--screenshot={png}", *extra, url)
        start, start_cpu = time.perf_counter(), children_cpu()
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - start)
        cpu.append(children_cpu() - start_cpu)
    return statistics.median(times), statistics.median(cpu)


def load_event_ms(tmp, path, repeat):
    """Navigation start to the load event, by the page's own clock (a copy of
    the report with one line of script appended)."""
    with open(path) as f:
        page = f.read()
    probe = os.path.join(tmp, "probe.html")
    with open(probe, "w") as f:
        f.write(page.replace("</body>", "<script>addEventListener('load',function(){document.body.setAttribute("
                                          "'data-load-ms',performance.now().toFixed(1))});</script></body>"))
    values = []
    for _ in range(repeat):
        dom = t.chromium(tmp, "--dump-dom", "file://" + probe)
        values.append(float(re.search(r'data-load-ms="([0-9.]+)"', dom).group(1)))
    return statistics.median(values)


def screenshot(tmp, path, png, width, height):
    t.chromium(tmp, f"--window-size={width},{height}", f"--screenshot={png}", "file://" + path)
    print(f"wrote {png}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--driftwatch", default=os.path.join(ROOT, "build", "release", "src", "cli", "driftwatch"))
    parser.add_argument("--screenshots", help="directory to write the docs' screenshots into")
    args = parser.parse_args()
    tool = os.path.abspath(args.driftwatch)
    t.CHROMIUM = shutil.which("chromium")
    if not t.CHROMIUM:
        sys.exit("no chromium on PATH (tools/bootstrap.sh installs it)")
    tmp = tempfile.mkdtemp(prefix="driftwatch-html-bench-")
    try:
        print("load average:", open("/proc/loadavg").read().split()[:3], "cores:", os.cpu_count())
        ref, cur = t.write_wide_csvs(tmp)
        wide = os.path.join(tmp, "wide.html")
        cmd = [tool, "drift", "--reference", ref, "--current", cur, "--format", "html", "-o", wide]
        cli, cli_cpu = wall(cmd, 7)
        text_cli, text_cpu = wall([tool, "drift", "--reference", ref, "--current", cur, "--format", "json"], 7)
        size = os.path.getsize(wide)
        print(f"100-feature report (2000 + 2000 rows): {size} bytes ({size / 1e6:.2f} MB)")
        print(f"  CLI, html: {cli * 1000:.0f} ms wall, {cli_cpu * 1000:.0f} ms CPU; json of the same: "
              f"{text_cli * 1000:.0f} ms wall, {text_cpu * 1000:.0f} ms CPU (medians of 7)")
        empty = os.path.join(tmp, "empty.html")
        with open(empty, "w") as f:
            f.write("<!DOCTYPE html><title>empty</title><p>x")
        load = load_event_ms(tmp, wide, 5)
        base, base_cpu = chromium_wall(tmp, "file://" + empty, 5)
        full, full_cpu = chromium_wall(tmp, "file://" + wide, 5)
        print(f"  Chromium: load event at {load:.0f} ms after navigation start (median of 5)")
        print(f"  Chromium --screenshot: {full * 1000:.0f} ms wall, {full_cpu * 1000:.0f} ms CPU; empty page "
              f"{base * 1000:.0f} ms wall, {base_cpu * 1000:.0f} ms CPU; the report adds "
              f"{1000 * (full - base):.0f} ms wall, {1000 * (full_cpu - base_cpu):.0f} ms CPU (medians of 5)")
        print("load average:", open("/proc/loadavg").read().split()[:3])
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
            # relative paths, so the pages name the files as a user would type them
            small = os.path.join(tmp, "drift.html")
            subprocess.run([tool, "drift", "--reference", "examples/data/reference.csv", "--current",
                            "examples/data/current.csv", "--format", "html", "-o", small], check=True, cwd=ROOT)
            screenshot(tmp, small, os.path.join(args.screenshots, "drift-report.png"), 1100, 1800)
            screenshot(tmp, small, os.path.join(args.screenshots, "drift-report-narrow.png"), 390, 1500)
            qrels, canary, baseline = t.write_runs(tmp)
            rank = os.path.join(tmp, "rank.html")
            subprocess.run([tool, "rank", "--qrels", "qrels.txt", "--run", "canary.txt", "--baseline", "baseline.txt",
                            "--format", "html", "-o", rank], check=True, cwd=tmp)
            screenshot(tmp, rank, os.path.join(args.screenshots, "rank-canary-report.png"), 1100, 1700)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
