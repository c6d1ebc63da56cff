#!/usr/bin/env python3
"""Validates driftwatch's exposition with the ecosystem's own parsers.

Runs the sample program (a registry holding every metric kind plus the escaping
corner cases) and checks
  - text format 0.0.4 with `promtool check metrics` (Prometheus' parser and
    linter): must exit 0;
  - OpenMetrics 1.0 with prometheus_client's strict OpenMetrics parser
    (Debian python3-prometheus-client), and that label values and HELP text
    survive escaping unchanged.
Exit 0 on success, 1 on failure, 77 (ctest SKIP_RETURN_CODE) when a checker is
not installed.

Usage: check_exposition.py --sample PATH --promtool PATH
"""
import argparse
import subprocess
import sys

SKIP = 77


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", required=True)
    ap.add_argument("--promtool", required=True)
    args = ap.parse_args()

    text = subprocess.run([args.sample], check=True, capture_output=True).stdout
    checked = subprocess.run([args.promtool, "check", "metrics"], input=text, capture_output=True)
    sys.stdout.write(checked.stdout.decode() + checked.stderr.decode())
    if checked.returncode != 0:
        print("FAIL: promtool check metrics rejected the 0.0.4 exposition:\n" + text.decode())
        return 1
    print("promtool check metrics: OK (%d lines)" % text.decode().count("\n"))

    try:
        from prometheus_client.openmetrics import parser as om_parser
        from prometheus_client import parser as text_parser
    except ImportError:
        print("SKIP: python3-prometheus-client is not installed (tools/bootstrap.sh installs it)")
        return SKIP

    om = subprocess.run([args.sample, "--openmetrics"], check=True, capture_output=True).stdout.decode()
    families = {f.name: f for f in om_parser.text_string_to_metric_families(om)}
    expected_value = 'back\\slash "quoted"\nnewline'
    expected_help = 'Events by kind; HELP with \\ backslash and\nnewline and "quotes".'
    for name, fams in (("openmetrics", families),
                       ("text 0.0.4", {f.name: f for f in text_parser.text_string_to_metric_families(text.decode())})):
        events = fams["driftwatch_sample_events"]
        if events.documentation != expected_help:
            print("FAIL (%s): HELP did not round-trip: %r" % (name, events.documentation))
            return 1
        kinds = {s.labels["kind"] for s in events.samples}
        if expected_value not in kinds:
            print("FAIL (%s): label value did not round-trip: %r" % (name, kinds))
            return 1
    print("OpenMetrics parse: OK (%d families); escaping round-trips in both formats" % len(families))
    return 0


if __name__ == "__main__":
    sys.exit(main())
