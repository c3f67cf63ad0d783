// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's runqlat: wakeup timestamps per thread, the run-queue latency at the switch into a log2
 * histogram; the same three events as tp_btf and raw_tp twins (the loader picks one family), and the shared
 * work in a subprogram in .text. CORPUS_SLOW looks up a per-cgroup filter map on every switch. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define TASK_RUNNING 0

const volatile bool targ_per_process = false;
const volatile pid_t targ_tgid = 0;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, u64);
} start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, struct hist);
} hists SEC(".maps");

#ifdef CORPUS_SLOW
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, u64);
    __type(value, u8);
} cgroup_filter SEC(".maps");
#endif

__noinline int trace_enqueue(u32 tgid, u32 pid)
{
    if (!pid)
        return 0;
    if (targ_tgid && targ_tgid != tgid)
        return 0;
    u64 ts = bpf_ktime_get_ns();
    bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
    return 0;
}

static __always_inline int handle_switch(bool preempt, struct task_struct *prev, struct task_struct *next)
{
    static struct hist zero;
#ifdef CORPUS_SLOW
    u64 cg = bpf_get_current_cgroup_id();
    if (bpf_map_lookup_elem(&cgroup_filter, &cg))
        return 0;
#endif
    if (BPF_CORE_READ(prev, __state) == TASK_RUNNING)
        trace_enqueue(BPF_CORE_READ(prev, tgid), BPF_CORE_READ(prev, pid));
    u32 pid = BPF_CORE_READ(next, pid);
    u64 *tsp = bpf_map_lookup_elem(&start, &pid);
    if (!tsp)
        return 0;
    s64 delta = bpf_ktime_get_ns() - *tsp;
    if (delta < 0)
        goto cleanup;
    u32 hkey = targ_per_process ? BPF_CORE_READ(next, tgid) : (u32)-1;
    struct hist *histp = bpf_map_lookup_elem(&hists, &hkey);
    if (!histp) {
        bpf_map_update_elem(&hists, &hkey, &zero, BPF_NOEXIST);
        histp = bpf_map_lookup_elem(&hists, &hkey);
        if (!histp)
            goto cleanup;
    }
    u64 slot = log2l(delta / 1000U);
    if (slot >= MAX_SLOTS)
        slot = MAX_SLOTS - 1;
    __sync_fetch_and_add(&histp->slots[slot], 1);
cleanup:
    bpf_map_delete_elem(&start, &pid);
    return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
    return trace_enqueue(p->tgid, p->pid);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
    return trace_enqueue(p->tgid, p->pid);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    return handle_switch(preempt, prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(handle_sched_wakeup, struct task_struct *p)
{
    return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(handle_sched_wakeup_new, struct task_struct *p)
{
    return trace_enqueue(BPF_CORE_READ(p, tgid), BPF_CORE_READ(p, pid));
}

SEC("raw_tp/sched_switch")
int BPF_PROG(handle_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    return handle_switch(preempt, prev, next);
}
