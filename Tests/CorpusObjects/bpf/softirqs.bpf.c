// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's softirqs: the entry time per CPU, and per softirq vector the count and total time in
 * an array; tp_btf and raw_tp twins. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_SOFTIRQS 10

const volatile bool targ_dist = false;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, u32);
    __type(value, u64);
} start SEC(".maps");

__u64 counts[NR_SOFTIRQS] = {};
__u64 time[NR_SOFTIRQS] = {};

static __always_inline int handle_entry(unsigned int vec_nr)
{
    u64 ts = bpf_ktime_get_ns();
    u32 key = 0;
    bpf_map_update_elem(&start, &key, &ts, BPF_ANY);
    return 0;
}

static __always_inline int handle_exit(unsigned int vec_nr)
{
    u32 key = 0;
    if (vec_nr >= NR_SOFTIRQS)
        return 0;
    u64 *tsp = bpf_map_lookup_elem(&start, &key);
    if (!tsp)
        return 0;
    u64 delta = bpf_ktime_get_ns() - *tsp;
    __sync_fetch_and_add(&counts[vec_nr], 1);
    __sync_fetch_and_add(&time[vec_nr], delta);
    return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry_btf, unsigned int vec_nr) { return handle_entry(vec_nr); }

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit_btf, unsigned int vec_nr) { return handle_exit(vec_nr); }

SEC("raw_tp/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec_nr) { return handle_entry(vec_nr); }

SEC("raw_tp/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec_nr) { return handle_exit(vec_nr); }
