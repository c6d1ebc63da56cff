#!/usr/bin/python3
"""Compile-time cost of including the core header: g++ -std=c++17 -O2 -c on a
translation unit with and without `#include <driftwatch/driftwatch.hpp>`,
best of N runs each, for the default ISA and -march=native. Times are CPU
seconds (user + system) of the compiler, which a loaded machine inflates far
less than wall time. Prints JSON."""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--include-dir", required=True)
ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()

with_src = "#include <driftwatch/driftwatch.hpp>\nint main() { return 0; }\n"
without_src = "int main() { return 0; }\n"
results = []
with tempfile.TemporaryDirectory() as d:
    paths = {}
    for name, src in (("with", with_src), ("without", without_src)):
        paths[name] = os.path.join(d, name + ".cpp")
        with open(paths[name], "w") as fh:
            fh.write(src)
    # The last two rows show what the SIMD kernels cost: DRIFTWATCH_NO_SIMD
    # builds every kernel from its scalar twin and does not include xsimd.
    for flags in ("-O2", "-O2 -march=native", "-O2 -DDRIFTWATCH_NO_SIMD", "-O2 -march=native -DDRIFTWATCH_NO_SIMD"):
        row = {"flags": "-std=c++17 " + flags}
        for name in ("without", "with"):
            best = float("inf")
            for _ in range(args.repeats):
                cmd = [args.cxx, "-std=c++17"] + flags.split() + ["-I", args.include_dir, "-c", paths[name],
                                                                  "-o", os.path.join(d, name + ".o")]
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(cmd, check=True)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                best = min(best, cpu)
            row[name] = best
        results.append(row)
json.dump({"repeats": args.repeats, "compiler": args.cxx, "results": results}, sys.stdout, indent=1)
print()
