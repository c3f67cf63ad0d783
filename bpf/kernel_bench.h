/* Shared between bpf/kernel.bpf.c and the kernel suite (Sources/Suites/KernelSuite.swift). */
#ifndef BPFGATE_KERNEL_BENCH_H
#define BPFGATE_KERNEL_BENCH_H

/* Key 0 of `kbench_cfg`: how many loop iterations, over how many keys (the map's fill count). */
struct kbench_config {
    unsigned long long iters;
    unsigned int keys;
    unsigned int pad;
    unsigned long long sink; /* what the bodies computed: kept, so nothing is optimized away */
};

/* Lookup-miss keys: never inserted (user space fills keys below the map size). */
#define KBENCH_MISS_OFFSET (1u << 30)

/* The largest event record (bytes) the submission benchmarks copy: sizes 64, 256, 1024, 4096. */
#define KBENCH_MAX_RECORD 4096

#endif
