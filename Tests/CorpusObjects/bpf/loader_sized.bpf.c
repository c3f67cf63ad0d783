// SPDX-License-Identifier: GPL-2.0
/* Maps that only their loader finishes: declared with no entries (libbpf-tools' offcputime `start` and `stackmap`,
 * sized from options; xdp-tools' per-CPU arrays, sized to the CPU count), a stack map with no value size, cilium/ebpf's
 * event arrays declared with the event type as their value (for bpf2go), and a map pinned by name (xdp-tutorial).
 * One tracepoint program touches them all. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

struct event {
    __u32 pid;
    char comm[TASK_COMM_LEN];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
} start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
} rx_cnt SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);
    __uint(key_size, sizeof(__u32));
} stackmap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(value, struct event);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
    __type(value, struct event);
} ring SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_stats SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int touch_all(void *ctx)
{
    __u32 pid = bpf_get_current_pid_tgid() >> 32, zero = 0;
    __u64 one = 1, *n;
    struct event e = { .pid = pid };

    bpf_map_update_elem(&start, &pid, &one, BPF_ANY);
    n = bpf_map_lookup_elem(&rx_cnt, &zero);
    if (n)
        *n += 1;
    n = bpf_map_lookup_elem(&pinned_stats, &zero);
    if (n)
        __sync_fetch_and_add(n, 1);
    bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
    bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
    bpf_ringbuf_output(&ring, &e, sizeof(e), 0);
    return 0;
}
