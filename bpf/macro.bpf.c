// SPDX-License-Identifier: GPL-2.0
/* Programs of the macro suite that do real work per event, each on the getppid() tracepoint and counting
 * only bpfgate's own process (probe_cfg.target_tgid): a map-heavy program and helper-heavy ones.
 * The empty counting programs per hook (the hook's own cost) are in probes.bpf.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "probes.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct probe_config);
} probe_cfg SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} heavy_hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} heavy_array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} heavy_percpu_hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} heavy_percpu_array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);
    __uint(max_entries, 1024);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} sink SEC(".maps");

static __always_inline int ours(void)
{
    __u32 zero = 0;
    struct probe_config *cfg = bpf_map_lookup_elem(&probe_cfg, &zero);
    return !cfg || !cfg->target_tgid || cfg->target_tgid == (bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void keep(__u64 v)
{
    __u32 zero = 0;
    __u64 *s = bpf_map_lookup_elem(&sink, &zero);
    if (s)
        *s += v;
}

/* One update of each of four map types per event, keys walking through 1024 slots. */
SEC("tracepoint/syscalls/sys_enter_getppid")
int map_heavy(void *ctx)
{
    if (!ours())
        return 0;
    __u32 key = (__u32)bpf_get_prandom_u32() & 1023;
    __u64 value = bpf_ktime_get_ns();
    bpf_map_update_elem(&heavy_hash, &key, &value, BPF_ANY);
    bpf_map_update_elem(&heavy_array, &key, &value, BPF_ANY);
    bpf_map_update_elem(&heavy_percpu_hash, &key, &value, BPF_ANY);
    bpf_map_update_elem(&heavy_percpu_array, &key, &value, BPF_ANY);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int get_current_comm(void *ctx)
{
    if (!ours())
        return 0;
    char comm[16];
    bpf_get_current_comm(comm, sizeof(comm));
    keep(comm[0]);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_read_kernel_str(void *ctx)
{
    if (!ours())
        return 0;
    char comm[16];
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    long n = bpf_probe_read_kernel_str(comm, sizeof(comm), &task->comm);
    keep(n);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int get_stackid(void *ctx)
{
    if (!ours())
        return 0;
    long id = bpf_get_stackid(ctx, &stacks, 0);
    keep(id);
    return 0;
}

/* The hook alone: a program that returns at once, so that what it adds to each getppid() is what the tracepoint's
 * dispatch costs (the capacity suite's calibration). */
SEC("tracepoint/syscalls/sys_enter_getppid")
int hook_only(void *ctx)
{
    return 0;
}

/* Event submission: one event of N bytes per getppid() to a ring buffer (reserve + submit) or to a perf
 * buffer (bpf_perf_event_output from a per-CPU scratch area, since 4 KB does not fit the stack). A failed
 * reserve or output is a drop, counted in event_drops[0]; bpfgate's consumer counts what arrives (and the
 * perf buffer's lost records). */
#define EVENT_MAX 4096

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
} events_ringbuf SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events_perfbuf SEC(".maps");

struct event_scratch {
    __u8 data[EVENT_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct event_scratch);
} events_scratch SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} event_drops SEC(".maps");

static __always_inline void dropped(void)
{
    __u32 zero = 0;
    __u64 *d = bpf_map_lookup_elem(&event_drops, &zero);
    if (d)
        __sync_fetch_and_add(d, 1);
}

#define RINGBUF_PROGRAM(N)                                                      \
    SEC("tracepoint/syscalls/sys_enter_getppid")                                \
    int ringbuf_##N(void *ctx)                                                  \
    {                                                                           \
        if (!ours())                                                            \
            return 0;                                                           \
        __u64 *e = bpf_ringbuf_reserve(&events_ringbuf, N, 0);                  \
        if (!e) {                                                               \
            dropped();                                                          \
            return 0;                                                           \
        }                                                                       \
        e[0] = bpf_ktime_get_ns();                                              \
        bpf_ringbuf_submit(e, 0);                                               \
        return 0;                                                               \
    }

#define PERFBUF_PROGRAM(N)                                                      \
    SEC("tracepoint/syscalls/sys_enter_getppid")                                \
    int perfbuf_##N(void *ctx)                                                  \
    {                                                                           \
        if (!ours())                                                            \
            return 0;                                                           \
        __u32 zero = 0;                                                         \
        struct event_scratch *e = bpf_map_lookup_elem(&events_scratch, &zero);  \
        if (!e)                                                                 \
            return 0;                                                           \
        *(__u64 *)e->data = bpf_ktime_get_ns();                                 \
        if (bpf_perf_event_output(ctx, &events_perfbuf, BPF_F_CURRENT_CPU, e, N)) \
            dropped();                                                          \
        return 0;                                                               \
    }

RINGBUF_PROGRAM(64)
RINGBUF_PROGRAM(256)
RINGBUF_PROGRAM(1024)
RINGBUF_PROGRAM(4096)
PERFBUF_PROGRAM(64)
PERFBUF_PROGRAM(256)
PERFBUF_PROGRAM(1024)
PERFBUF_PROGRAM(4096)
