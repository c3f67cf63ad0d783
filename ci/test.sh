#!/usr/bin/env bash
# The test command (README): installs what is missing, builds the BPF objects and the Swift code, runs
# every test (privileged ones too: run as root; with CI=true they fail instead of skipping), then checks
# bpfgate's BMF against Bencher's own JSON schema when shared/ is beside the clone.
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

schema=../shared/fixtures/bencher/bmf.schema.json
if [ -f "$schema" ]; then
  out=$(mktemp)
  trap 'rm -f "$out"; require_dev_null "after the tests"' EXIT
  .build/debug/bpfgate run --sizes 64 --batch 16 --samples 3 --warmup 1 --quiet --output "$out"
  /usr/bin/python3 - "$schema" "$out" <<'PY'
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.validate(doc, schema)
print(f"BMF schema check: {len(doc)} benchmarks valid against Bencher's bmf.json")
PY
else
  echo "BMF schema check skipped: $schema not found (it is Bencher's file, kept outside this repository)"
fi
echo "$summary"
