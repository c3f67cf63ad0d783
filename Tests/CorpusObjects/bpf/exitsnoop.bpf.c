// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's exitsnoop: one program on sched_process_exit reading the task with CO-RE and sending
 * one record per exiting process through a ring buffer. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool trace_failed_only = false;
const volatile bool trace_by_process = true;

struct event {
    __u64 start_time;
    __u64 exit_time;
    __u32 pid;
    __u32 tid;
    __u32 ppid;
    __u32 sig;
    int exit_code;
    char comm[TASK_COMM_LEN];
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(void *ctx)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 pid = pid_tgid >> 32, tid = (__u32)pid_tgid;
    if (trace_by_process && pid != tid)
        return 0;
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    int exit_code = BPF_CORE_READ(task, exit_code);
    if (trace_failed_only && exit_code == 0)
        return 0;
    struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
        return 0;
    e->start_time = BPF_CORE_READ(task, start_time);
    e->exit_time = bpf_ktime_get_ns();
    e->pid = pid;
    e->tid = tid;
    e->ppid = BPF_CORE_READ(task, real_parent, tgid);
    e->sig = exit_code & 0xff;
    e->exit_code = exit_code >> 8;
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    bpf_ringbuf_submit(e, 0);
    return 0;
}
