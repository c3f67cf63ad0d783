// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's statsnoop: the path of every stat-family call kept at entry, joined with the result at
 * exit and sent through a perf buffer; one entry and one exit program per syscall. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define NAME_MAX 255

const volatile pid_t target_pid = 0;
const volatile bool trace_failed_only = false;

struct event {
    __u64 ts_ns;
    __u32 pid;
    int ret;
    char comm[TASK_COMM_LEN];
    char pathname[NAME_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, __u32);
    __type(value, const char *);
} values SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events SEC(".maps");

static __always_inline int probe_entry(void *ctx, const char *pathname)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 pid = id >> 32, tid = (__u32)id;
    if (!pathname)
        return 0;
    if (target_pid && target_pid != pid)
        return 0;
    bpf_map_update_elem(&values, &tid, &pathname, BPF_ANY);
    return 0;
}

static __always_inline int probe_return(void *ctx, int ret)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 pid = id >> 32, tid = (__u32)id;
    const char **pathname = bpf_map_lookup_elem(&values, &tid);
    if (!pathname)
        return 0;
    if (trace_failed_only && ret >= 0) {
        bpf_map_delete_elem(&values, &tid);
        return 0;
    }
    struct event event = {};
    event.pid = pid;
    event.ts_ns = bpf_ktime_get_ns();
    event.ret = ret;
    bpf_get_current_comm(&event.comm, sizeof(event.comm));
    bpf_probe_read_user_str(event.pathname, sizeof(event.pathname), *pathname);
    bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &event, sizeof(event));
    bpf_map_delete_elem(&values, &tid);
    return 0;
}

#define STAT_PAIR(call, arg)                                                                   \
    SEC("tracepoint/syscalls/sys_enter_" #call)                                                \
    int handle_##call##_entry(struct trace_event_raw_sys_enter *ctx)                           \
    {                                                                                          \
        return probe_entry(ctx, (const char *)ctx->args[arg]);                                 \
    }                                                                                          \
    SEC("tracepoint/syscalls/sys_exit_" #call)                                                 \
    int handle_##call##_return(struct trace_event_raw_sys_exit *ctx)                           \
    {                                                                                          \
        return probe_return(ctx, (int)ctx->ret);                                               \
    }

STAT_PAIR(statfs, 0)
STAT_PAIR(newstat, 0)
STAT_PAIR(statx, 1)
STAT_PAIR(newfstatat, 1)
STAT_PAIR(newlstat, 0)
