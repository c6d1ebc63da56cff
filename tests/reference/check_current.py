"""Fails if a committed reference file differs from what its generator script
produces now (so every expected value is reproducible from SciPy/NumPy).

Runs every tests/reference/gen_*.py with --out TMPDIR and compares each file it
writes with the committed file of the same name."""

import filecmp
import glob
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
failures = 0
checked = 0
for script in sorted(glob.glob(os.path.join(here, "gen_*.py"))):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, script, "--out", tmp], check=True)
        for produced in sorted(os.listdir(tmp)):
            committed = os.path.join(here, produced)
            checked += 1
            if not os.path.exists(committed):
                print(f"MISSING {produced}: {os.path.basename(script)} writes it but it is not committed")
                failures += 1
            elif not filecmp.cmp(os.path.join(tmp, produced), committed, shallow=False):
                print(f"STALE   {produced}: differs from what {os.path.basename(script)} writes now")
                failures += 1
            else:
                print(f"ok      {produced}")
if checked == 0:
    print("no reference files checked")
    sys.exit(1)
print(f"{checked - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
