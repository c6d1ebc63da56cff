"""Checks the include graph against the layer table of docs/design.md.

1. Every header under include/driftwatch/ belongs to a layer of the table
   (by its folder; the umbrella driftwatch.hpp has its own row).
2. No header includes a header of a higher layer.
3. Every `#include <driftwatch/...>` in include/, src/, tests/, bench/ and
   examples/ names a header that exists under include/ (the project itself
   never uses the deprecated paths of compat/include/).

Exits 1 naming each violation. Cost: well under a second."""

import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
design = os.path.join(root, "docs", "design.md")
include_root = os.path.join(root, "include")

# Rows of the layer table: | rank | `folder/` or `file.hpp` | ...  (under the 'Layers' heading)
row = re.compile(r"^\|\s*(\d+)\s*\|\s*`([A-Za-z0-9_./]+)`\s*\|")
layers = {}
with open(design, encoding="utf-8") as f:
    in_table = False
    for line in f:
        if line.startswith("#"):
            in_table = line.lstrip("#").strip() == "Layers"
        m = row.match(line) if in_table else None
        if m:
            layers[m.group(2).rstrip("/")] = int(m.group(1))
if not layers:
    print(f"{design}: no layer table found under a 'Layers' heading")
    sys.exit(1)


def layer_of(rel):
    """rel: path under include/driftwatch/, e.g. 'metrics/ks_test.hpp'."""
    if rel in layers:
        return rel, layers[rel]
    parts = rel.split("/")
    for n in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:n])
        if folder in layers:
            return folder, layers[folder]
    return None, None


# An include, or the name of a per-ISA body that isa_bodies.hpp includes.
include_line = re.compile(r'^\s*#\s*(?:include|define\s+DRIFTWATCH_ISA_BODY)\s*[<"](driftwatch/[^>"]+)[>"]')
failures = []
checked = 0

headers = []
for dirpath, _, files in os.walk(os.path.join(include_root, "driftwatch")):
    for name in files:
        if name.endswith(".hpp"):
            headers.append(os.path.relpath(os.path.join(dirpath, name), os.path.join(include_root, "driftwatch")))

for rel in sorted(headers):
    where, rank = layer_of(rel)
    if rank is None:
        failures.append(f"include/driftwatch/{rel}: in no layer of docs/design.md's table")
        continue
    with open(os.path.join(include_root, "driftwatch", rel), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = include_line.match(line)
            if not m:
                continue
            checked += 1
            target = m.group(1)[len("driftwatch/"):]
            twhere, trank = layer_of(target)
            if trank is None:
                continue  # reported by rule 3 (or by the target's own check)
            if trank > rank:
                failures.append(f"include/driftwatch/{rel}:{lineno}: includes {m.group(1)} "
                                f"(layer {trank}, {twhere}) from layer {rank} ({where})")

for top in ("include", "src", "tests", "bench", "examples"):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for name in files:
            if not name.endswith((".hpp", ".cpp", ".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            if os.path.relpath(path, root) == os.path.join("tests", "compat_include_test.cpp"):
                continue  # the test of the deprecated paths
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = include_line.match(line)
                    if m and "old-layout" in line:
                        continue  # a bench built against an older commit's headers too (marked)
                    if m and not os.path.exists(os.path.join(include_root, m.group(1))):
                        failures.append(f"{os.path.relpath(path, root)}:{lineno}: includes {m.group(1)}, "
                                        "which is not under include/ (a deprecated path? see docs/design.md)")

for f in failures:
    print(f)
print(f"{len(headers)} headers in {len(set(layers.values()))} layers, {checked} includes checked, "
      f"{len(failures)} violations")
sys.exit(1 if failures else 0)
