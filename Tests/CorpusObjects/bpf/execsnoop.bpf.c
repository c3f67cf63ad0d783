// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's execsnoop: execve's arguments gathered at entry into a per-thread map entry (a loop of
 * user-memory reads), sent with the result at exit through a perf buffer. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define ARGSIZE 128
#define MAX_ARGS 8

const volatile bool ignore_failed = true;
const volatile uid_t targ_uid = (uid_t)-1;

struct event {
    pid_t pid;
    pid_t ppid;
    uid_t uid;
    int retval;
    int args_count;
    unsigned int args_size;
    char comm[TASK_COMM_LEN];
    char args[MAX_ARGS * ARGSIZE];
};

static const struct event empty_event = {};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, pid_t);
    __type(value, struct event);
} execs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(u32));
    __uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int tracepoint__syscalls__sys_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
    u64 id = bpf_get_current_pid_tgid();
    pid_t pid = (pid_t)id, tgid = id >> 32;
    uid_t uid = (u32)bpf_get_current_uid_gid();
    if (targ_uid != (uid_t)-1 && targ_uid != uid)
        return 0;
    if (bpf_map_update_elem(&execs, &pid, &empty_event, BPF_NOEXIST))
        return 0;
    struct event *event = bpf_map_lookup_elem(&execs, &pid);
    if (!event)
        return 0;
    event->pid = tgid;
    event->uid = uid;
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    event->ppid = (pid_t)BPF_CORE_READ(task, real_parent, tgid);
    event->args_count = 0;
    event->args_size = 0;
    long ret = bpf_probe_read_user_str(event->args, ARGSIZE, (const char *)ctx->args[0]);
    if (ret < 0)
        return 0;
    if (ret <= ARGSIZE)
        event->args_size += ret;
    const char **args = (const char **)(ctx->args[1]);
    const char *argp;
    event->args_count++;
#pragma unroll
    for (int i = 1; i < MAX_ARGS; i++) {
        bpf_probe_read_user(&argp, sizeof(argp), &args[i]);
        if (!argp)
            return 0;
        if (event->args_size > (MAX_ARGS - 1) * ARGSIZE)
            return 0;
        ret = bpf_probe_read_user_str(&event->args[event->args_size], ARGSIZE, argp);
        if (ret < 0 || ret > ARGSIZE)
            return 0;
        event->args_count++;
        event->args_size += ret;
    }
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int tracepoint__syscalls__sys_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
    u32 pid = (u32)bpf_get_current_pid_tgid();
    struct event *event = bpf_map_lookup_elem(&execs, &pid);
    if (!event)
        return 0;
    int ret = ctx->ret;
    if (ignore_failed && ret < 0)
        goto cleanup;
    event->retval = ret;
    bpf_get_current_comm(&event->comm, sizeof(event->comm));
    size_t len = sizeof(*event) - MAX_ARGS * ARGSIZE + (event->args_size & (MAX_ARGS * ARGSIZE - 1));
    if (len <= sizeof(*event))
        bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, event, len);
cleanup:
    bpf_map_delete_elem(&execs, &pid);
    return 0;
}
