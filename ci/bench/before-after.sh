#!/usr/bin/env bash
# Before/after figures of a change, interleaved: runs a ci/bench script in two worktrees (the code before and after)
# in turn, N times, so that the machine's drift over the hour hits both alike. Each worktree runs its own copy of the
# script (`git worktree add ../before <commit>`), with ARGS; outputs are appended to OUT/before.txt and OUT/after.txt.
# Usage: ci/bench/before-after.sh BEFORE_DIR AFTER_DIR N SCRIPT [ARGS...]
#   e.g. ci/bench/before-after.sh ../before ../after 10 ci/bench/ab-detection.sh 1
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 BEFORE_DIR AFTER_DIR N SCRIPT [ARGS...]" >&2; exit 64; }
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); n=$3; script=$4; shift 4
out=${OUT:-$(pwd)/before-after-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
for i in $(seq "$n"); do
  for side in before after; do
    dir=$before; [ "$side" = after ] && dir=$after
    (cd "$dir" && bash "$script" "$@") >> "$out/$side.txt" 2>&1
    echo "$side $i $(date +%T)" >> "$out/log"
  done
done
echo "$out"
