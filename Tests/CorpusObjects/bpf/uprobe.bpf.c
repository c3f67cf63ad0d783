// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's uprobe: an entry and a return probe in bare sections (its loader attaches them
 * to a function of its own binary by name), and a pair in sections that name their target, `uprobe//proc/self/exe:`
 * (libbpf attaches them to the loader's own function). Calls and sums are counted in a map. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} calls SEC(".maps");

/* cilium/ebpf's uretprobe example declares its perf event array with the event's type as the value, for bpf2go; its
 * loader gives the map the kernel's 4-byte sizes. */
struct event {
    __u32 pid;
    __u8 line[80];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(value, struct event);
} events SEC(".maps");

static __always_inline void add(__u32 key, __u64 v)
{
    __u64 *n = bpf_map_lookup_elem(&calls, &key);
    if (n)
        __sync_fetch_and_add(n, v);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_add, long a)
{
    add(0, a);
    return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_add, long ret)
{
    struct event e = { .pid = bpf_get_current_pid_tgid() >> 32 };
    add(1, ret);
    bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
    return 0;
}

SEC("uprobe//proc/self/exe:uprobed_sub")
int BPF_KPROBE(uprobe_sub, int a, int b)
{
    add(0, a - b);
    return 0;
}

SEC("uretprobe//proc/self/exe:uprobed_sub")
int BPF_KRETPROBE(uretprobe_sub, int ret)
{
    add(1, ret);
    return 0;
}

/* The pattern of probes on a shared library's exported function (bcc's bashreadline on readline, memleak on
 * malloc): here libc's exit, which a declaration targets with a command of short-lived processes. */
SEC("uprobe/libc.so.6:exit")
int BPF_KPROBE(uprobe_exit, int status)
{
    add(0, status);
    return 0;
}
