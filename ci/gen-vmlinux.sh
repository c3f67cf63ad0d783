#!/usr/bin/env bash
# Regenerates the pinned bpf/vmlinux.h from the running kernel's BTF. Commit the result with the kernel it
# came from in the message; CO-RE keeps objects built from it working on other kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h
echo "bpf/vmlinux.h from $(uname -r) $(uname -m): $(wc -l < bpf/vmlinux.h) lines"
