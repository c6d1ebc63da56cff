#!/usr/bin/env bash
# End-to-end benchmark of `driftwatch rank` (issue 15): a generated TREC run of
# QUERIES x DOCS lines and its qrels, evaluated by the tool built in Release and
# by trec_eval, with wall time, CPU time (user + sys) and maximum resident
# memory of each (GNU time), best wall of REPEATS runs, and the outputs checked
# byte-identical. Also: the gzip-compressed inputs against gzip's own
# decompression of the same files, and the run read from standard input.
#
#   bench/e2e_rank.sh                 5,000 queries x 1,000 documents (~200 MB run)
#   bench/e2e_rank.sh --quick         500 x 1,000 (~20 MB), seconds
#   bench/e2e_rank.sh --write-md      also put the table in docs/benchmarks.md
#                                     (section "End to end: driftwatch rank")
#
# Environment: TREC_EVAL (path of a trec_eval binary; unset: that peer is "not
# measured"), DRIFTWATCH_E2E_BUILD (build dir, default build/e2e),
# DRIFTWATCH_E2E_DATA (data dir, default build/e2e-data), REPEATS (default 3),
# JOBS (build jobs, default 2), PYTHON (default /usr/bin/python3).
# trec_eval is not a Debian package: build it from its public source outside
# this repository, e.g. git clone https://github.com/usnistgov/trec_eval
# /tmp/trec_eval && make -C /tmp/trec_eval && TREC_EVAL=/tmp/trec_eval/trec_eval bench/e2e_rank.sh
set -euo pipefail

quick=0
write_md=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --write-md) write_md=1 ;;
    *) echo "usage: bench/e2e_rank.sh [--quick] [--write-md]" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${DRIFTWATCH_E2E_BUILD:-$root/build/e2e}"
data_root="${DRIFTWATCH_E2E_DATA:-$root/build/e2e-data}"
python="${PYTHON:-/usr/bin/python3}"
repeats="${REPEATS:-3}"
[ -x /usr/bin/time ] || { echo "bench/e2e_rank.sh: needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 1; }

if [ "$quick" = 1 ]; then queries=500; else queries=5000; fi
docs=1000
data="$data_root/rank_${queries}x${docs}"

mkdir -p "$build" "$data_root"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDRIFTWATCH_BUILD_TESTS=OFF \
  -DDRIFTWATCH_BUILD_BENCHMARKS=OFF -DDRIFTWATCH_BUILD_EXAMPLES=OFF -DDRIFTWATCH_INSTALL=OFF \
  "${launcher[@]}" > "$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --target driftwatch-cli -j "${JOBS:-2}" >&2
dw="$build/src/cli/driftwatch"

if [ ! -s "$data/run.txt.gz" ]; then
  echo "== generating $queries x $docs run and qrels in $data" >&2
  "$python" "$root/bench/e2e/gen_trec.py" --queries "$queries" --docs "$docs" --out "$data" --gzip
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# measure NAME OUTFILE CMD...: best wall of $repeats runs; prints
# "wall cpu rss_kb" of that run on stdout.
measure() {
  local out="$1"; shift
  local best=""
  for _ in $(seq "$repeats"); do
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" > "$out"
    read -r wall user sys rss < "$tmp/time"
    cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    if [ -z "$best" ] || awk -v a="$wall" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best="$wall $cpu $rss"
    fi
  done
  echo "$best"
}

measures=(-m num_q -m map -m Rprec -m recip_rank -m P.10 -m recall.10 -m ndcg_cut.10 -m map_cut.10 -m success.10)
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== driftwatch rank (plain files)" >&2
dw_plain="$(measure "$tmp/dw.out" "$dw" rank --qrels "$data/qrels.txt" --run "$data/run.txt")"
echo "== driftwatch rank (gzip files)" >&2
dw_gz="$(measure "$tmp/dw_gz.out" "$dw" rank --qrels "$data/qrels.txt.gz" --run "$data/run.txt.gz")"
echo "== gzip -dc of the same two files" >&2
gz_peer="$(measure "$tmp/gz.out" sh -c "gzip -dc '$data/qrels.txt.gz' '$data/run.txt.gz' | wc -c")"
echo "== driftwatch rank (run on standard input)" >&2
dw_stdin="$(measure "$tmp/dw_stdin.out" sh -c "cat '$data/run.txt' | '$dw' rank --qrels '$data/qrels.txt' --run -")"
te="not measured"
identical="trec_eval not measured (set TREC_EVAL)"
if [ -n "${TREC_EVAL:-}" ]; then
  [ -x "$TREC_EVAL" ] || { echo "bench/e2e_rank.sh: TREC_EVAL=$TREC_EVAL is not executable" >&2; exit 1; }
  echo "== trec_eval ($TREC_EVAL)" >&2
  te="$(measure "$tmp/te.out" "$TREC_EVAL" "${measures[@]}" "$data/qrels.txt" "$data/run.txt")"
  if cmp -s "$tmp/te.out" "$tmp/dw.out"; then identical="byte-identical to trec_eval"; else
    identical="DIFFERS from trec_eval"; fi
fi
for f in dw_gz dw_stdin; do
  cmp -s "$tmp/dw.out" "$tmp/$f.out" || { echo "bench/e2e_rank.sh: $f output differs from the plain run" >&2; exit 1; }
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

size() { du -m --apparent-size "$1" | cut -f1; }
te_version="$([ -n "${TREC_EVAL:-}" ] && "$TREC_EVAL" -v 2>&1 | head -1 || echo "trec_eval")"
row() {  # label, "wall cpu rss" or "not measured", files, peer label
  local label="$1" m="$2" files="$3"
  if [ "$m" = "not measured" ]; then
    echo "| $label | $files | not measured | | |"
  else
    read -r wall cpu rss <<< "$m"
    echo "| $label | $files | $wall | $cpu | $((rss / 1024)) |"
  fi
}
ratio() {  # ours, peer: wall, CPU and memory of the peer over ours
  if [ "$2" = "not measured" ]; then echo "not measured"; return; fi
  read -r w1 c1 r1 <<< "$1"; read -r w2 c2 r2 <<< "$2"
  awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" -v r1="$r1" -v r2="$r2" \
    'BEGIN { printf "%.1fx faster in wall time, %.1fx less CPU time, %.2fx its maximum resident memory", w2 / w1, c2 / c1, r1 / r2 }'
}
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mode="$queries queries x $docs documents"
files_plain="run $(size "$data/run.txt") MiB + qrels $(size "$data/qrels.txt") MiB"
files_gz="run.gz $(size "$data/run.txt.gz") MiB + qrels.gz $(size "$data/qrels.txt.gz") MiB"
{
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ), $mode, $cpu ($(nproc) cores), load average $load_before before / $load_after after (1, 5, 15 min); best wall of $repeats runs each."
  echo
  echo "| command | input | wall s | CPU s (user + sys) | max RSS MiB |"
  echo "|---|---|---:|---:|---:|"
  row "driftwatch rank" "$dw_plain" "$files_plain"
  row "$te_version (peer), same measures" "$te" "$files_plain"
  row "driftwatch rank, gzip inputs" "$dw_gz" "$files_gz"
  row "gzip -dc of both files (peer: the decompressor's own cost)" "$gz_peer" "$files_gz"
  row "driftwatch rank, run on standard input (cat run.txt \\|)" "$dw_stdin" "$files_plain"
  echo
  echo "driftwatch vs trec_eval: $(ratio "$dw_plain" "$te"); output $identical."
  read -r pw pc _ <<< "$dw_plain"; read -r gw gc _ <<< "$dw_gz"; read -r zw zc _ <<< "$gz_peer"
  echo "gzip inputs cost $(awk -v a="$gc" -v b="$pc" 'BEGIN { printf "%.2f", a - b }') CPU s and $(awk -v a="$gw" -v b="$pw" 'BEGIN { printf "%.2f", a - b }') s of wall time more than the plain files; \`gzip -dc\` alone takes $zc CPU s and $zw s of wall time to inflate them."
} > "$tmp/table.md"
cat "$tmp/table.md"

if [ "$write_md" = 1 ]; then
  "$python" - "$root/docs/benchmarks.md" "$tmp/table.md" "bench/e2e_rank.sh$([ "$quick" = 1 ] && echo ' --quick')" <<'PY'
import sys
md_path, table_path, command = sys.argv[1:4]
begin, end = "<!-- e2e-rank:begin -->", "<!-- e2e-rank:end -->"
with open(table_path) as f:
    table = f.read().rstrip("\n")
with open(md_path) as f:
    md = f.read()
section = "\n".join([
    begin,
    "## End to end: `driftwatch rank`",
    "",
    "A TREC run and its qrels from `bench/e2e/gen_trec.py` (sizes in the first line below; runs grouped by",
    "query, 200 judged documents per query), evaluated by the `driftwatch` tool built in Release for the",
    "default ISA and by trec_eval with the same measures (`-m num_q -m map -m Rprec -m recip_rank -m P.10",
    "-m recall.10 -m ndcg_cut.10 -m map_cut.10 -m success.10`), on the same files in the same run.",
    "Reproduce with `TREC_EVAL=/path/to/trec_eval bench/e2e_rank.sh --write-md` (trec_eval built from",
    "https://github.com/usnistgov/trec_eval outside the repository; without `TREC_EVAL` that peer is",
    "reported as not measured; the usnistgov/trec_eval commit of the 10.0 release, f425365, prints",
    "`10.0-rc3` for `-v`). Wall and CPU time and maximum resident memory are GNU time's. The machine",
    "is shared: with a load average above the core count both tools wait for a core, so the wall",
    "times are inflated and the CPU times are the steadier comparison.",
    "",
    "Command: `%s`." % command,
    "",
    table,
    "",
    "How the work is split: one thread reads (and inflates) the input into 8 MiB blocks of whole lines",
    "while the others parse the previous block; each block is cut at line starts into one piece per core,",
    "each piece parsed into its own shard (document ids copied once into a per-thread arena, 16-byte rows,",
    "no locks); after the input ends the shards are joined per query, the queries are sorted by document",
    "id and evaluated on all cores (batches of 16 queries from a shared counter), and the summary is",
    "summed in query order on one thread, so the output does not depend on the thread count.",
    end,
])
if begin in md and end in md:
    md = md[: md.index(begin)] + section + md[md.index(end) + len(end):]
else:
    md = md.rstrip("\n") + "\n\n" + section + "\n"
with open(md_path, "w") as f:
    f.write(md)
PY
  echo "wrote the section into $root/docs/benchmarks.md" >&2
fi
