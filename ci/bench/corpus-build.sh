# Sourced by the scripts that run real objects (object-coverage.sh, testrun-coverage.sh, object-budget.sh,
# together.sh), from the repository's root: builds bpfgate and the tests' corpus objects in release mode, and sets
# $bin (the binary), $corpus (the directory of the corpus's .bpf.o files, written by the build plugin) and $out (the
# results directory: $OUT, kept, or a temporary one removed on exit).
swift build -c release --product bpfgate >/dev/null
swift build -c release --target CorpusObjects >/dev/null
bin=.build/release/bpfgate
corpus=$(find .build/plugins -type d -path '*CorpusObjects*BPFObjectsPlugin' | head -n 1)
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
[ -n "${OUT:-}" ] || trap 'rm -rf "$out"' EXIT
