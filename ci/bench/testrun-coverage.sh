#!/usr/bin/env bash
# Your packet programs by BPF_PROG_TEST_RUN: `bpfgate run --object FILE --filter /test-run/` with no configuration on
# every object of the given directories (default: the tests' corpus), then per program kind how many programs got a
# result on every input, and every input that failed with its reason; the return values seen. Run as root. Objects
# of real projects built on this machine can be passed as directories; nothing here builds them.
# Usage: ci/bench/testrun-coverage.sh [DIR ...]     OUT=dir keeps the results; SAMPLES=n (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
. ci/bench/corpus-build.sh
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$corpus")
start=$(date +%s)
n=0
for d in "${dirs[@]}"; do
  for f in "$d"/*.o; do
    case "$f" in *_slow.bpf.o) continue ;; esac
    name=$(basename "$d")-$(basename "$f" .o)
    "$bin" run --object "$f" --filter '/test-run/' --samples "${SAMPLES:-5}" --quiet --results "$out/$name.json" \
      --output "$out/$name.bmf.json" 2>"$out/$name.err" || true
    n=$((n + 1))
  done
done
echo "$n objects in $(( $(date +%s) - start )) s"
python3 - "$out" <<'PY'
import collections, glob, json, sys
programs = {}
failures = collections.Counter()
returns = collections.Counter()
for path in sorted(glob.glob(f"{sys.argv[1]}/*.json")):
    if path.endswith(".bmf.json"):
        continue
    doc = json.load(open(path))
    for b in doc["benchmarks"]:
        parts = b["name"].split("/")
        if len(parts) < 5 or parts[3] != "test-run" or parts[4] == "reference":
            continue
        key = "/".join(parts[1:3])
        m = b["measures"][0]
        ok = m["status"] == "ok"
        programs.setdefault(key, []).append(ok)
        if ok:
            returns[(b.get("notes") or ["?"])[0].split(";")[0]] += 1
        else:
            failures[m.get("reason", m["status"])[:160]] += 1
complete = sum(all(v) for v in programs.values())
print(f"test-run programs (packet kinds, raw_tp, syscall): {len(programs)}; a result on every input: {complete}; inputs timed: "
      f"{sum(sum(v) for v in programs.values())} of {sum(len(v) for v in programs.values())}")
for reason, count in failures.most_common():
    print(f"  failed x{count}: {reason}")
print("return values: " + ", ".join(f"{r} x{c}" for r, c in returns.most_common()))
for key, v in sorted(programs.items()):
    if not all(v):
        print(f"  incomplete: {key} ({sum(v)} of {len(v)})")
PY
