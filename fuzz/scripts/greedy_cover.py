"""Greedy set cover over a libFuzzer merge control file: keeps at most MAX inputs, each adding the
most features not yet covered, copies them to OUT (named by content hash) and prints how much of the
features the kept inputs cover. Usage: greedy_cover.py CONTROL MAX OUT"""
import hashlib
import os
import shutil
import sys

control, limit, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(control).read().split("\n")
count = int(lines[0])
files = lines[2 : 2 + count]
features = {}
for line in lines[2 + count :]:
    if line.startswith("FT "):
        parts = line.split()
        features[int(parts[1])] = set(map(int, parts[2:]))
universe = set().union(*features.values()) if features else set()
covered, kept = set(), []
while len(kept) < limit:
    best = max(features, key=lambda i: len(features[i] - covered), default=None)
    if best is None or not features[best] - covered:
        break
    covered |= features.pop(best)
    kept.append(files[best])
data = [open(f, "rb").read() for f in kept]
if os.path.isdir(out):
    shutil.rmtree(out)
os.makedirs(out)
for d in data:
    with open(os.path.join(out, hashlib.sha1(d).hexdigest()), "wb") as f:
        f.write(d)
print(f"{len(kept)} of {count} inputs kept, {len(covered)} of {len(universe)} features ({100 * len(covered) / max(1, len(universe)):.1f} %)")
