/* Shared by the corpus: test programs written for bpfgate that reproduce the patterns of real tools (the same
 * section names and events, maps shared between programs, tp_btf and raw_tp twins, `const volatile` switches
 * in .rodata, ring and perf buffer output, subprograms in .text). None of their code comes from those tools.
 * A file that defines CORPUS_SLOW before including its original is a realistic slow-down of it. */
#ifndef BPFGATE_CORPUS_H
#define BPFGATE_CORPUS_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define MAX_SLOTS 27

struct hist {
    __u32 slots[MAX_SLOTS];
};

static __always_inline __u64 log2l(__u64 v)
{
    __u64 r = 0;
    while (v > 1 && r < MAX_SLOTS - 1) {
        v >>= 1;
        r++;
    }
    return r;
}

#endif
