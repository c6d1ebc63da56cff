#!/usr/bin/env bash
# Rewrites the pre-layer include paths (<driftwatch/histogram.hpp>) to the
# layered ones (<driftwatch/accumulators/histogram.hpp>) in the given files,
# from the map in docs/design.md ("Include paths"), the one place it is kept.
# Idempotent. A file that included only <driftwatch/serialization.hpp> got
# every serializable type from it; after the rewrite it also needs the types'
# headers (or <driftwatch/driftwatch.hpp>).
#
#   tools/migrate-includes.sh $(git ls-files '*.hpp' '*.cpp')
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -gt 0 ] || { echo "usage: tools/migrate-includes.sh FILE..." >&2; exit 2; }
exec /usr/bin/python3 - "$root/docs/design.md" "$@" <<'EOF'
import re, sys
design, files = sys.argv[1], sys.argv[2:]
row = re.compile(r"^\| `(driftwatch/[a-z_]+\.hpp)` \| `(driftwatch/[a-z_]+/[a-z_]+\.hpp)` \|")
pairs = [m.groups() for m in map(row.match, open(design, encoding="utf-8")) if m]
if not pairs:
    sys.exit(f"{design}: no include-path map found")
changed = 0
for path in files:
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    new = text
    for old, layered in pairs:
        new = re.sub(r"(?<=[<\"])" + re.escape(old) + r"(?=[>\"])", layered, new)
    if new != text:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(new)
        changed += 1
        print(f"rewrote {path}")
print(f"{changed} of {len(files)} files rewritten ({len(pairs)} paths mapped)")
EOF
