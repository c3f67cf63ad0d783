#!/usr/bin/env bash
# bisect's precision and time. A temporary repository of COMMITS commits on a copy of this project's bpf/: every
# commit after the first adds a comment line to the demo classifier (other objects, same speed: every commit bisect
# visits must be timed, none is placed by its digest), and one of them also slows the demo down:
#   SLOW=big    the table replaced by recomputing the sequence (~+20 % here);
#   SLOW=small  12 more steps of the demo's calibration loop per packet (~+4 % here).
# `bpfgate bisect --quick` runs RUNS times, the slow commit moved through the history from run to run. Prints per run
# the commit it should name, the one it named, the commits it timed with their fraction of the bad commit's change (0:
# good's speed, 1: bad's) and its time; then how many it got right.
# Run as root.
# Usage: ci/bench/bisect.sh [COMMITS=9] [RUNS=4] [SLOW=big]
set -euo pipefail
cd "$(dirname "$0")/../.."
commits=${1:-9}
runs=${2:-4}
slow=${3:-big}
[ "$commits" -ge 3 ] || { echo "COMMITS must be at least 3" >&2; exit 64; }
swift build -c release >/dev/null
bin=$PWD/.build/release/bpfgate
project=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $slow in
  big) slowdown="sed -i 's/^#define FIB_TABLE 1\$//' bpf/xdp_demo.bpf.c" ;;
  small) slowdown="sed -i 's/__u32 spin = cfg ? cfg->extra_work : 0;/__u32 spin = (cfg ? cfg->extra_work : 0) + 12;/' bpf/xdp_fib.h" ;;
  *) echo "SLOW must be big or small" >&2; exit 64 ;;
esac
right=0
for run in $(seq "$runs"); do
  # The slow commit: spread over 1 .. COMMITS-1 (0 is the good end).
  if [ "$runs" -gt 1 ]; then k=$((1 + (run - 1) * (commits - 2) / (runs - 1))); else k=$((commits / 2)); fi
  repo=$tmp/repo-$run
  mkdir -p "$repo" && cp -r "$project/bpf" "$repo/bpf"
  (
    cd "$repo"
    git init -q && git add bpf && git -c user.email=t@t -c user.name=t commit -qm c0
    for i in $(seq 1 $((commits - 1))); do
      sed -i "1i // commit $i changes nothing measurable" bpf/xdp_demo.bpf.c
      [ "$i" = "$k" ] && eval "$slowdown"
      git -c user.email=t@t -c user.name=t commit -qam "c$i"
    done
  )
  expected=$(git -C "$repo" rev-parse "HEAD~$((commits - 1 - k))")
  start=$(date +%s.%N)
  set +e
  (cd "$repo" && "$bin" bisect --good "HEAD~$((commits - 1))" --quick --json "$tmp/log-$run.json" >"$tmp/out-$run" 2>"$tmp/err-$run")
  status=$?
  set -e
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  named=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print(",".join(c[:12] for c in l["firstBad"]) or "none")' "$tmp/log-$run.json" 2>/dev/null || echo "exit $status")
  timed=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print(", ".join("%s %.2f" % (s["subject"], s["judgement"]["fraction"]) for s in l["steps"] if s.get("judgement")))' "$tmp/log-$run.json" 2>/dev/null || echo "?")
  change=$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print("%+.1f %%" % (100 * l["change"]) if l.get("change") is not None else "-")' "$tmp/log-$run.json" 2>/dev/null || echo "?")
  [ "$named" = "${expected:0:12}" ] && right=$((right + 1))
  printf 'run %d: slow commit c%d %s, named %s; bad/good %s; timed (share of the bad commit'"'"'s change): %s; %.0f s\n' "$run" "$k" "${expected:0:12}" "$named" "$change" "$timed" "$seconds"
  [ "$(git -C "$repo" worktree list | wc -l)" = 1 ] || echo "run $run: a worktree was left behind" >&2
done
echo "bisect named the slow commit in $right of $runs runs ($commits commits, SLOW=$slow)"
