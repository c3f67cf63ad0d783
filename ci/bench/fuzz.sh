#!/bin/sh
# The randomized fuzz campaign over bpfgate's pure commands: ci/fuzz/fuzz.py with a fresh seed.
#
#   ci/bench/fuzz.sh [CASES] [SEED]       default 20000 cases, seed from the date
#
# Builds nothing: runs .build/debug/bpfgate, or $BPFGATE_BIN. $FUZZ_JOBS (default: the CPU count) cases run in
# parallel; $FUZZ_KEEP=DIR keeps the directory of every case with a finding. Prints fuzz.py's findings and
# summary, then the findings by kind; exits 0 without findings, 1 with, 5 without a binary.
# A case is rerun with: python3 ci/fuzz/fuzz.py --bin BIN --seed SEED --first CASE --cases 1 --keep DIR
set -eu
cd "$(dirname "$0")/../.."
cases=${1:-20000}
seed=${2:-$(date -u +%Y%m%d%H%M)}
bin=${BPFGATE_BIN:-.build/debug/bpfgate}
if [ ! -x "$bin" ]; then
    echo "fuzz.sh: no executable $bin (swift build first, or set BPFGATE_BIN)" >&2
    exit 5
fi
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
json=$(mktemp "${TMPDIR:-/tmp}/bpfgate-fuzz-XXXXXX.json")
trap 'rm -f "$json"' EXIT INT TERM
echo "fuzz.sh: $cases cases, seed $seed, $jobs jobs, $bin"
status=0
python3 ci/fuzz/fuzz.py --bin "$bin" --seed "$seed" --cases "$cases" --jobs "$jobs" --json "$json" \
    ${FUZZ_KEEP:+--keep "$FUZZ_KEEP"} || status=$?
python3 - "$json" <<'PY'
import collections, json, re, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    sys.exit(0)
kinds = ["crash", "exit-1", "bad-status", "no-error-line", "multi-line-error", "control-chars", "partial-outputs",
         "baselines-changed", "escaped-write", "hang", "fuzzer-error"]
by_kind = collections.Counter(f["kind"] for f in d["findings"])
distinct = collections.defaultdict(set)
for f in d["findings"]:
    distinct[f["kind"]].add((f["command"], re.sub(r"\d+", "N", f["stderr"])))
print("")
print("findings by kind (seed %s, %d cases, %.0f s):" % (d["seed"], d["cases"], d["seconds"]))
print("  %-18s %8s %9s" % ("kind", "findings", "distinct"))
for k in kinds + sorted(set(by_kind) - set(kinds)):
    print("  %-18s %8d %9d" % (k, by_kind.get(k, 0), len(distinct.get(k, ()))))
PY
exit $status
