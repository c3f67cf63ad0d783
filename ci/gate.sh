#!/usr/bin/env bash
# The CI gate (called by .github/workflows/bpfgate.yml): same-run A/B of the BPF objects of the merge base
# against those of HEAD, both built from git by bpfgate (`check --ab BASE --ab-head HEAD`). Writes the Markdown
# summary (to $GITHUB_STEP_SUMMARY when set), a JUnit report and report.html (the comparison's chart), and
# exits with bpfgate's code: 2 on a regression, 0 when none.
#   GATE_BASE    the base revision (default: merge base of HEAD and origin/main, else HEAD~1)
#   BPFGATE      the bpfgate binary (default: bpfgate on PATH, else .build/release/bpfgate)
#   GATE_OUT     where the reports go (default: .bpfgate/gate)
# Extra arguments go to `bpfgate check`.
set -euo pipefail
bpfgate=${BPFGATE:-$(command -v bpfgate || echo .build/release/bpfgate)}
base=${GATE_BASE:-$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse HEAD~1)}
out=${GATE_OUT:-.bpfgate/gate}
mkdir -p "$out"
echo "bpfgate gate: A/B of $(git rev-parse --short "$base") (base) against $(git rev-parse --short HEAD) (head)" >&2
set +e
"$bpfgate" check --ab "$base" --ab-head HEAD --markdown "$out/summary.md" --junit "$out/junit.xml" --verdict "$out/verdict.json" \
  --html "$out/report.html" "$@"
status=$?
set -e
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/summary.md" ]; then cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"; fi
exit $status
