#!/usr/bin/env bash
# Your programs as they are: `bpfgate run --object FILE` with no configuration on every object of the given
# directories (default: the tests' corpus, Tests/CorpusObjects/bpf, as the build compiled it), one run per object at
# the default profile. Prints per object its programs, wall time and outcomes, then per hook family how many
# programs were measured (latency ok), and how many were not: not derivable, refused, unsupported, failed (with the
# reasons). Run as root. Objects of real projects (libbpf-bootstrap, libbpf-tools, ...) built on this machine can be
# passed as directories; nothing here builds them.
# (Test runs of packet programs: ci/bench/testrun-coverage.sh.)
# Usage: ci/bench/object-coverage.sh [DIR ...]
#   OUT=dir keeps the results files; SAMPLES=n runs n samples instead of the default profile's; PROGRAMS_ONLY=1 leaves
#   the objects' maps out (their user-space timing is the user-map suite's).
set -euo pipefail
cd "$(dirname "$0")/../.."
. ci/bench/corpus-build.sh
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  dirs=("$corpus")
fi
objects=()
for d in "${dirs[@]}"; do
  for f in "$d"/*.o; do
    case "$f" in *_slow.bpf.o) continue ;; esac
    objects+=("$f")
  done
done
[ ${#objects[@]} -gt 0 ] || { echo "no objects in ${dirs[*]}" >&2; exit 64; }
for f in "${objects[@]}"; do
  name=$(basename "$f" .o)
  start=$(date +%s.%N)
  set +e
  "$bin" run --object "$f" ${SAMPLES:+--samples "$SAMPLES"} ${PROGRAMS_ONLY:+--filter '^object/[^/]+/(?!map/)(?![^/]+/test-run/)'} \
    --quiet --results "$out/$name.json" --output "$out/$name.bmf.json" 2>"$out/$name.err"
  status=$?
  set -e
  end=$(date +%s.%N)
  echo "$name $status $(echo "$end - $start" | bc)" >> "$out/times"
done
python3 - "$out" <<'PY'
import collections, json, os, sys
out = sys.argv[1]
times = {l.split()[0]: (int(l.split()[1]), float(l.split()[2])) for l in open(f"{out}/times")}
families = collections.defaultdict(collections.Counter)
reasons = collections.defaultdict(collections.Counter)
for name, (status, seconds) in sorted(times.items()):
    path = f"{out}/{name}.json"
    if not os.path.exists(path):
        print(f"{name}: exit {status}, no results: {open(f'{out}/{name}.err').read().strip()[:200]}")
        continue
    doc = json.load(open(path))
    programs = [b for b in doc["benchmarks"] if b["name"].startswith("object/") and "/map/" not in b["name"]
                and not b["name"].endswith("/reference") and "/test-run/" not in b["name"]]
    outcome = collections.Counter()
    for b in programs:
        parts = b["name"].split("/")
        hook = parts[3] if len(parts) > 3 else "-"
        latency = next((m for m in b["measures"] if m["measure"] == "latency"), None)
        kind = (latency or {}).get("status", "absent")
        detail = (latency or {}).get("reason", "")
        if kind == "not-applicable":
            kind = "refused" if detail.startswith("refused") else "not derivable"
        families[hook][kind] += 1
        outcome[kind] += 1
        if kind != "ok":
            reasons[kind][detail.split(":")[0] if kind == "unsupported" else detail[:110]] += 1
    print(f"{name}: exit {status}, {len(programs)} programs in {seconds:.0f} s: "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcome.items())))
print("\nper hook family (latency ok / programs):")
total_ok = total = 0
for hook, c in sorted(families.items()):
    n = sum(c.values())
    total += n
    total_ok += c["ok"]
    print(f"  {hook:16} {c['ok']:3} / {n:3}   " + ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k != "ok"))
print(f"  {'all':16} {total_ok:3} / {total:3}")

# The target set (issue 15): programs that load and attach on this kernel with the target bpfgate provides, but
# those whose target only their own loader knows. Left out, each with its reason printed below:
# - unsupported: the kernel cannot load or attach the hook family here (kprobe events, BPF trampolines);
# - not derivable for a loader-known target: uprobes and USDT on another binary, devmap/cpumap entry programs,
#   iterators over a map of the loader's;
# - failed for the kernel's own reason: an event this kernel does not have (attach ENOENT), or a program its
#   verifier or BTF rejects (a load failure that is not about a map bpfgate set up);
# - events only harm to the host produces (the issue's words): global memory reclaim, OOM kills.
HARM = ("direct_reclaim", "mm_vmscan", "oom_", "mark_victim", "compact")
LOADER = ("which bpfgate does not call", "it probes its own loader", "entries runs when a redirect", "walks a map that only your loader")
def excluded(kind, detail, plan=""):
    if kind == "not derivable" and "no workload drives it" in detail and any(h in plan for h in HARM):
        return "only harm to the host makes the event"
    if kind == "unsupported":
        return "unsupported here"
    if kind == "not derivable" and any(k in detail for k in LOADER):
        return "target only its loader knows"
    if kind == "failed" and detail.startswith("attach:") and "(ENOENT)" in detail:
        return "no such event on this kernel"
    if kind == "failed" and detail.startswith("load:") and "libbpf: map" not in detail:
        return "the kernel's verifier or BTF rejects it"
    return None
inset = outset = ok_in = 0
missing = []
left = collections.Counter()
for name in sorted(times):
    path = f"{out}/{name}.json"
    if not os.path.exists(path):
        continue
    doc = json.load(open(path))
    plans = doc["run"]["settings"]
    for b in doc["benchmarks"]:
        if not b["name"].startswith("object/") or "/map/" in b["name"] or b["name"].endswith("/reference"):
            continue
        latency = next((m for m in b["measures"] if m["measure"] == "latency"), None) or {}
        kind, detail = latency.get("status", "absent"), latency.get("reason", "")
        if kind == "not-applicable":
            kind = "refused" if detail.startswith("refused") else "not derivable"
        why = excluded(kind, detail, plans.get(f"plan.{b['name']}", ""))
        if why:
            outset += 1
            left[f"{why}: {b['name'].split('/')[1]} ({detail[:90]})"] += 1
        else:
            inset += 1
            ok_in += kind == "ok"
            if kind != "ok":
                missing.append(f"{b['name']}: {detail[:150]}")
print(f"\ntarget set: {inset} programs ({outset} left out); latency ok: {ok_in} = {100 * ok_in / max(1, inset):.1f} %")
for why, n in sorted(left.items()):
    print(f"  left out {n:3}  {why}")
print("in the set, without a latency result:")
for line in missing:
    print(f"  {line}")
for kind, c in sorted(reasons.items()):
    print(f"\n{kind}:")
    for why, n in c.most_common():
        print(f"  {n:3}  {why}")
PY
