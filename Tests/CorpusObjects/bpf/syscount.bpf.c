// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's syscount: every syscall's entry time per thread, and at exit a count and the total
 * latency per syscall number in a hash map. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool filter_failed = false;
const volatile bool measure_latency = true;
const volatile pid_t filter_pid = 0;

struct data_t {
    __u64 count;
    __u64 total_ns;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, u64);
} start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, u32);
    __type(value, struct data_t);
} data SEC(".maps");

#ifdef CORPUS_SLOW
struct start_comm_t {
    u64 ts;
    char comm[TASK_COMM_LEN];
};
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, struct start_comm_t);
} start_comm SEC(".maps");
#endif


SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *args)
{
    u64 id = bpf_get_current_pid_tgid();
    pid_t pid = id >> 32;
    u32 tid = id;
    if (filter_pid && pid != filter_pid)
        return 0;
    u64 ts = bpf_ktime_get_ns();
    bpf_map_update_elem(&start, &tid, &ts, 0);
#ifdef CORPUS_SLOW
    /* The slow variant (syscount_slow.bpf.c) also keeps the caller's command name with the entry time; sys_exit is
     * the same in both. */
    struct start_comm_t v = {.ts = ts};
    bpf_get_current_comm(v.comm, sizeof(v.comm));
    bpf_map_update_elem(&start_comm, &tid, &v, 0);
#endif
    return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *args)
{
    u64 id = bpf_get_current_pid_tgid();
    pid_t pid = id >> 32;
    u32 tid = id;
    static const struct data_t zero;
    if (filter_pid && pid != filter_pid)
        return 0;
    if (filter_failed && args->ret >= 0)
        return 0;
    u64 *start_ts, lat = 0;
    if (measure_latency) {
        start_ts = bpf_map_lookup_elem(&start, &tid);
        if (!start_ts)
            return 0;
        lat = bpf_ktime_get_ns() - *start_ts;
    }
    u32 key = args->id;
    struct data_t *val = bpf_map_lookup_elem(&data, &key);
    if (!val) {
        bpf_map_update_elem(&data, &key, &zero, BPF_NOEXIST);
        val = bpf_map_lookup_elem(&data, &key);
        if (!val)
            return 0;
    }
    __sync_fetch_and_add(&val->count, 1);
    if (measure_latency)
        __sync_fetch_and_add(&val->total_ns, lat);
    return 0;
}
