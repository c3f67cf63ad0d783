#!/usr/bin/env bash
# The test command (README): installs what is missing, builds the BPF objects and the Swift code, runs
# every test (privileged ones too: run as root; with CI=true they fail instead of skipping), then checks a real
# run's results file against schemas/ and its BMF against Bencher's own JSON schema when shared/ is beside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."
# /dev/null must be the character device: a regular file there (an older bpfgate replaced it through
# --output /dev/null) breaks every program that writes to it. Checked before and after the tests.
require_dev_null() {
  if [ ! -c /dev/null ]; then
    echo "test.sh: /dev/null is not a character device ($1); repair it as root: rm -f /dev/null && mknod -m 666 /dev/null c 1 3" >&2
    exit 70
  fi
}
require_dev_null "before the tests"
trap 'require_dev_null "after the tests"' EXIT
source ci/setup.sh

set +e
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "swift build failed ($status)"; exit "$status"; }
# One test at a time: the privileged tests check that no BPF program is left loaded, which needs quiet.
# The house rules (declared imports, pure floors, file length, one hook table): ci/floors.py.
python3 ci/floors.py || { echo "test.sh: ci/floors.py found the house rules broken (above)"; exit 1; }
swift test --skip-build --no-parallel 2>&1 | tee .build/test.log | grep -vE '^(◇|✔) '
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^(✔|✘) Test run with' .build/test.log | tail -1)
[ "$status" -eq 0 ] || { echo "$summary"; echo "swift test failed ($status)"; exit "$status"; }

# A real run's files: the results file against this repository's schema (schemas/), BMF against Bencher's own
# when shared/ is beside the clone (it is Bencher's file, not copied here).
out=$(mktemp) results=$(mktemp)
trap 'rm -f "$out" "$results"; require_dev_null "after the tests"' EXIT
.build/debug/bpfgate run --sizes 64 --batch 16 --samples 3 --warmup 1 --quiet --output "$out" --results "$results"
schema=../shared/fixtures/bencher/bmf.schema.json
/usr/bin/python3 - schemas/results.schema.json "$results" "$schema" "$out" <<'PY'
import json, os, sys, jsonschema
ours, results, bencher, bmf = sys.argv[1:5]
jsonschema.Draft202012Validator(json.load(open(ours))).validate(json.load(open(results)))
print(f"results schema check: {len(json.load(open(results))['benchmarks'])} benchmarks valid against {ours}")
if os.path.exists(bencher):
    doc = json.load(open(bmf))
    jsonschema.validate(doc, json.load(open(bencher)))
    print(f"BMF schema check: {len(doc)} benchmarks valid against Bencher's bmf.json")
else:
    print(f"BMF schema check skipped: {bencher} not found (it is Bencher's file, kept outside this repository)")
PY
echo "$summary"
