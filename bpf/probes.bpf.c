// SPDX-License-Identifier: GPL-2.0
/* One minimal counting program per hook type. `bpfgate doctor` loads and attaches each one on its own
 * (a live probe: static feature probes lie on new kernels), and the integration tests use them to check
 * the libbpf layer: load, attach, run_cnt from bpf_stats, detach. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "probes.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, PROBE_MAX);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct probe_config);
} probe_cfg SEC(".maps");

static __always_inline int count(__u32 hook, int filter_task)
{
    if (filter_task) {
        __u32 zero = 0;
        struct probe_config *cfg = bpf_map_lookup_elem(&probe_cfg, &zero);
        if (cfg && cfg->target_tgid && cfg->target_tgid != (bpf_get_current_pid_tgid() >> 32))
            return 0;
    }
    __u64 *n = bpf_map_lookup_elem(&hits, &hook);
    if (n)
        *n += 1;
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) { return count(PROBE_TRACEPOINT, 1); }

SEC("raw_tracepoint/sys_enter")
int probe_raw_tp(struct bpf_raw_tracepoint_args *ctx) { return count(PROBE_RAW_TP, 1); }

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id) { return count(PROBE_TP_BTF, 1); }

SEC("kprobe/do_sys_openat2")
int probe_kprobe(struct pt_regs *ctx) { return count(PROBE_KPROBE, 1); }

SEC("kretprobe/do_sys_openat2")
int probe_kretprobe(struct pt_regs *ctx) { return count(PROBE_KRETPROBE, 1); }

SEC("fentry/do_sys_openat2")
int BPF_PROG(probe_fentry) { return count(PROBE_FENTRY, 1); }

SEC("fexit/do_sys_openat2")
int BPF_PROG(probe_fexit) { return count(PROBE_FEXIT, 1); }

SEC("uprobe")
int probe_uprobe(struct pt_regs *ctx) { return count(PROBE_UPROBE, 1); }

SEC("uretprobe")
int probe_uretprobe(struct pt_regs *ctx) { return count(PROBE_URETPROBE, 1); }

SEC("xdp")
int probe_xdp(struct xdp_md *ctx) { count(PROBE_XDP, 0); return XDP_PASS; }

SEC("tc")
int probe_tc(struct __sk_buff *skb) { count(PROBE_TC, 0); return 0; /* TC_ACT_OK */ }

SEC("socket")
int probe_socket(struct __sk_buff *skb) { count(PROBE_SOCKET, 0); return skb->len; /* keep the packet */ }

SEC("cgroup_skb/ingress")
int probe_cgroup_skb(struct __sk_buff *skb) { count(PROBE_CGROUP_SKB, 0); return 1; /* allow */ }

SEC("perf_event")
int probe_perf_event(struct bpf_perf_event_data *ctx) { return count(PROBE_PERF_EVENT, 1); }

/* An iterator runs in the reader's thread, once per element: no task to filter. Reads no context, so that
 * it verifies on any iterator target it is moved to (bpf_program__set_attach_target). */
SEC("iter/task")
int probe_iter(struct bpf_iter__task *ctx) { count(PROBE_ITER, 0); return 0; }

/* Allows everything (0): bpfgate's own LSM program only counts. Reads no argument, so that it verifies on any
 * LSM hook it is moved to. */
SEC("lsm/file_open")
int BPF_PROG(probe_lsm) { count(PROBE_LSM, 1); return 0; }

/* bpfgate's own USDT probe (`bpfgate:target`, in bpfgate_uprobe_target) by default. */
SEC("usdt")
int BPF_USDT(probe_usdt, long x) { return count(PROBE_USDT, 1); }
