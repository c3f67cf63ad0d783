// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's opensnoop: the arguments of open and openat kept per thread at entry, joined with the
 * result at exit and sent through a perf buffer; .rodata filters by pid, uid and failure. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define NAME_MAX 255

const volatile pid_t targ_pid = 0;
const volatile pid_t targ_tgid = 0;
const volatile uid_t targ_uid = (uid_t)-1;
const volatile bool targ_failed = false;

struct args_t {
    const char *fname;
    int flags;
#ifdef CORPUS_SLOW
    /* The slow variant (opensnoop_slow.bpf.c) copies the file name at entry, where the tool reads it at exit: a user
     * string read and a 280-byte map value per open. The exit programs are the same in both. */
    char name[NAME_MAX];
#endif
};

struct event {
    __u64 ts;
    pid_t pid;
    uid_t uid;
    int ret;
    int flags;
    char comm[TASK_COMM_LEN];
    char fname[NAME_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, u32);
    __type(value, struct args_t);
} start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(u32));
    __uint(value_size, sizeof(u32));
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, u32);
    __type(value, struct event);
} heap SEC(".maps");

#ifdef CORPUS_SLOW
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, u32);
    __type(value, struct args_t);
} entry_heap SEC(".maps");
#endif

static __always_inline bool trace_allowed(u32 tgid, u32 pid)
{
    if (targ_tgid && targ_tgid != tgid)
        return false;
    if (targ_pid && targ_pid != pid)
        return false;
    if (targ_uid != (uid_t)-1 && targ_uid != (u32)bpf_get_current_uid_gid())
        return false;
    return true;
}

static __always_inline int enter(const char *fname, int flags)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tgid = id >> 32, pid = id;
    if (!trace_allowed(tgid, pid))
        return 0;
#ifdef CORPUS_SLOW
    u32 zero = 0;
    struct args_t *slot = bpf_map_lookup_elem(&entry_heap, &zero);
    if (!slot)
        return 0;
    slot->fname = fname;
    slot->flags = flags;
    bpf_probe_read_user_str(slot->name, sizeof(slot->name), fname);
    bpf_map_update_elem(&start, &pid, slot, 0);
#else
    struct args_t args = {.fname = fname, .flags = flags};
    bpf_map_update_elem(&start, &pid, &args, 0);
#endif
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int tracepoint__syscalls__sys_enter_open(struct trace_event_raw_sys_enter *ctx)
{
    return enter((const char *)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint__syscalls__sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
    return enter((const char *)ctx->args[1], (int)ctx->args[2]);
}

static __always_inline int trace_exit(struct trace_event_raw_sys_exit *ctx)
{
    u32 zero = 0, pid = bpf_get_current_pid_tgid();
    struct args_t *ap = bpf_map_lookup_elem(&start, &pid);
    if (!ap)
        return 0;
    int ret = ctx->ret;
    if (targ_failed && ret >= 0)
        goto cleanup;
    struct event *e = bpf_map_lookup_elem(&heap, &zero);
    if (!e)
        goto cleanup;
    e->pid = bpf_get_current_pid_tgid() >> 32;
    e->uid = bpf_get_current_uid_gid();
    e->ts = bpf_ktime_get_ns();
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    bpf_probe_read_user_str(&e->fname, sizeof(e->fname), ap->fname);
    e->flags = ap->flags;
    e->ret = ret;
    bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof(*e));
cleanup:
    bpf_map_delete_elem(&start, &pid);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int tracepoint__syscalls__sys_exit_open(struct trace_event_raw_sys_exit *ctx)
{
    return trace_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tracepoint__syscalls__sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
    return trace_exit(ctx);
}
