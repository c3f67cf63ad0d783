/* Shared between bpf/probes.bpf.c and user space (Sources/Suites/Doctor.swift, tests). */
#ifndef BPFGATE_PROBES_H
#define BPFGATE_PROBES_H

/* Index of each hook's counter in the `hits` per-CPU array. */
enum probe_hook {
    PROBE_TRACEPOINT = 0,
    PROBE_RAW_TP,
    PROBE_TP_BTF,
    PROBE_KPROBE,
    PROBE_KRETPROBE,
    PROBE_FENTRY,
    PROBE_FEXIT,
    PROBE_UPROBE,
    PROBE_URETPROBE,
    PROBE_XDP,
    PROBE_TC,
    PROBE_SOCKET,
    PROBE_CGROUP_SKB,
    PROBE_PERF_EVENT,
    PROBE_ITER,
    PROBE_LSM,
    PROBE_USDT,
    PROBE_MAX,
};

/* Key 0 of the `config` array: only events of this tgid are counted (0 = all). */
struct probe_config {
    unsigned int target_tgid;
    unsigned int pad;
};

#endif
