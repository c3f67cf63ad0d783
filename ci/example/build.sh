#!/usr/bin/env bash
# Builds bpf/*.bpf.c into build/*.bpf.o with clang's BPF target ($CLANG, else clang on PATH, else the Swift
# toolchain's). Usage: [EXTRA_CFLAGS=...] ci/example/build.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-build}
clang=${CLANG:-$(command -v clang || echo /opt/swift/usr/bin/clang)}
mkdir -p "$out"
for src in bpf/*.bpf.c; do
    # shellcheck disable=SC2086
    "$clang" -g -O2 -Wall -Werror -target bpf -I "/usr/include/$(uname -m)-linux-gnu" ${EXTRA_CFLAGS:-} -c "$src" \
        -o "$out/$(basename "${src%.c}").o"
done
