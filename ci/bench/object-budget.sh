#!/usr/bin/env bash
# The time budget of `bpfgate run --object FILE` with no configuration at the default profile (issue 15: an object
# of 12 programs within 5 minutes): wall time per object, with its programs and maps counted from the results.
# Run as root. Default objects: the tests' corpus objects with the most programs (statsnoop, mountsnoop, runqlat);
# objects of real projects built on this machine can be passed instead.
# Usage: ci/bench/object-budget.sh [OBJECT ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
. ci/bench/corpus-build.sh
objects=("$@")
if [ ${#objects[@]} -eq 0 ]; then
  dir=$corpus
  objects=("$dir/statsnoop.bpf.o" "$dir/mountsnoop.bpf.o" "$dir/runqlat.bpf.o")
fi
printf '%-40s %8s %5s %5s %9s %s\n' object programs ok maps seconds status
for f in "${objects[@]}"; do
  name=$(basename "$f" .o)
  start=$(date +%s.%N)
  set +e
  "$bin" run --object "$f" --quiet --results "$out/$name.json" --output "$out/$name.bmf.json" 2>"$out/$name.err"
  status=$?
  set -e
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$out/$name.json" "$name" "$seconds" "$status" <<'PY'
import json, sys
path, name, seconds, status = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
try:
    doc = json.load(open(path))
except OSError:
    print(f"{name:40} no results (exit {status})"); sys.exit()
bench = [b for b in doc["benchmarks"] if not b["name"].endswith("/reference")]
programs = [b for b in bench if "/map/" not in b["name"]]
ok = [b for b in programs if any(m["measure"] == "latency" and m.get("status") == "ok" for m in b["measures"])]
maps = {"/".join(b["name"].split("/")[:4]) for b in bench if "/map/" in b["name"]}
print(f"{name:40} {len(programs):8} {len(ok):5} {len(maps):5} {seconds:9.1f} exit {status}")
PY
done
