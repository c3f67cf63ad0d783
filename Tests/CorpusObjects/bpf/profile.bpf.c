// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's profile: a perf_event program sampling stacks on a CPU clock, sent through a
 * ring buffer. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_STACK_DEPTH 32

struct stacktrace_event {
    __u32 pid;
    __u32 cpu_id;
    char comm[TASK_COMM_LEN];
    __s32 kstack_sz;
    __s32 ustack_sz;
    __u64 kstack[MAX_STACK_DEPTH];
    __u64 ustack[MAX_STACK_DEPTH];
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("perf_event")
int profile(void *ctx)
{
    int pid = bpf_get_current_pid_tgid() >> 32;
    struct stacktrace_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
        return 1;
    e->pid = pid;
    e->cpu_id = bpf_get_smp_processor_id();
    if (bpf_get_current_comm(e->comm, sizeof(e->comm)))
        e->comm[0] = 0;
    e->kstack_sz = bpf_get_stack(ctx, e->kstack, sizeof(e->kstack), 0);
    e->ustack_sz = bpf_get_stack(ctx, e->ustack, sizeof(e->ustack), BPF_F_USER_STACK);
    bpf_ringbuf_submit(e, 0);
    return 0;
}
