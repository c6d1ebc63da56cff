"""Validation of every `driftwatch drift --format json` report the CLI tests
produce against docs/schema/drift-report.schema.json (Debian python3-jsonschema).
Imported by tests/cli/drift_*_test.py."""
import json
import os

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "docs", "schema", "drift-report.schema.json")) as f:
    SCHEMA = json.load(f)
jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
validated = 0


def check(args, result):
    """Validates result.stdout when args asked for --format json and a report was printed."""
    global validated
    args = list(args)
    if "--format" in args and args[args.index("--format") + 1] == "json" and result.returncode in (0, 3, 4):
        report = json.loads(result.stdout)
        VALIDATOR.validate(report)
        validated += 1
