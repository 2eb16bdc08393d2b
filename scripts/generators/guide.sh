#!/usr/bin/env bash
# Runs openapi/README.md literally: every ```sh block and every ```python block, in the order of the
# guide, as one script from the repository root (a command that fails fails the run). Servers the
# guide starts in the background are stopped at the end, by their process ids.
#
#   scripts/generators/guide.sh openapi/README.md target/generators/out/guide
set -euo pipefail
guide="$1"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$work"
script="$work/guide.sh"
python3 - "$guide" "$script" <<'PY'
import re
import shlex
import sys

text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^```(sh|python)\n(.*?)^```$", text, flags=re.S | re.M)
out = [
    "set -eo pipefail",
    # Background jobs of the guide (the emulator, the example webhook) end with it.
    "trap 'for pid in $(jobs -p); do kill $pid 2>/dev/null || true; done; wait' EXIT",
]
for kind, body in blocks:
    if kind == "sh":
        for line in body.splitlines():
            if line.strip() and not line.startswith("#"):
                out.append("echo " + shlex.quote("+ " + line))
                out.append(line)
    else:
        out.append("echo '+ python (the validation snippet)'")
        out.append("python - <<'GUIDE_PY'\n" + body + "GUIDE_PY")
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
print(f"guide: {len(blocks)} blocks ({sum(k == 'sh' for k, _ in blocks)} sh, {sum(k == 'python' for k, _ in blocks)} python)")
PY
cd "$root"
bash "$script" > "$work/guide.log" 2>&1 || { tail -n 80 "$work/guide.log"; echo "guide failed; full log: $work/guide.log"; exit 1; }
grep '^+ ' "$work/guide.log"
echo "guide: every command of $guide ran"
