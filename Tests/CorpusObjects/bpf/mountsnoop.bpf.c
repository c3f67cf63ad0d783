// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's mountsnoop: mount and umount arguments kept at entry and sent with the result at exit
 * through a ring buffer; the new mount API (fsopen) as well. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define FS_NAME_LEN 8
#define PATH_MAX_LEN 64

const volatile pid_t target_pid = 0;

enum op { MOUNT, UMOUNT, FSOPEN };

struct arg {
    __u64 ts;
    __u64 flags;
    const char *src;
    const char *dest;
    const char *fs;
    enum op op;
};

struct event {
    __u64 delta;
    __u64 flags;
    __u32 pid;
    __u32 tid;
    int ret;
    enum op op;
    char comm[TASK_COMM_LEN];
    char fs[FS_NAME_LEN];
    char src[PATH_MAX_LEN];
    char dest[PATH_MAX_LEN];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, __u32);
    __type(value, struct arg);
} args SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline int probe_entry(const char *src, const char *dest, const char *fs, __u64 flags, enum op op)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 pid = id >> 32, tid = (__u32)id;
    if (target_pid && target_pid != pid)
        return 0;
    struct arg arg = {.ts = bpf_ktime_get_ns(), .flags = flags, .src = src, .dest = dest, .fs = fs, .op = op};
    bpf_map_update_elem(&args, &tid, &arg, BPF_ANY);
    return 0;
}

static __always_inline int probe_exit(void *ctx, int ret)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 pid = id >> 32, tid = (__u32)id;
    struct arg *argp = bpf_map_lookup_elem(&args, &tid);
    if (!argp)
        return 0;
    struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
        goto cleanup;
    e->delta = bpf_ktime_get_ns() - argp->ts;
    e->flags = argp->flags;
    e->pid = pid;
    e->tid = tid;
    e->ret = ret;
    e->op = argp->op;
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    if (argp->fs)
        bpf_probe_read_user_str(e->fs, sizeof(e->fs), argp->fs);
    if (argp->src)
        bpf_probe_read_user_str(e->src, sizeof(e->src), argp->src);
    if (argp->dest)
        bpf_probe_read_user_str(e->dest, sizeof(e->dest), argp->dest);
    bpf_ringbuf_submit(e, 0);
cleanup:
    bpf_map_delete_elem(&args, &tid);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int mount_entry(struct trace_event_raw_sys_enter *ctx)
{
    return probe_entry((const char *)ctx->args[0], (const char *)ctx->args[1], (const char *)ctx->args[2], ctx->args[3], MOUNT);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int mount_exit(struct trace_event_raw_sys_exit *ctx) { return probe_exit(ctx, (int)ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_umount")
int umount_entry(struct trace_event_raw_sys_enter *ctx)
{
    return probe_entry(NULL, (const char *)ctx->args[0], NULL, ctx->args[1], UMOUNT);
}

SEC("tracepoint/syscalls/sys_exit_umount")
int umount_exit(struct trace_event_raw_sys_exit *ctx) { return probe_exit(ctx, (int)ctx->ret); }

SEC("tracepoint/syscalls/sys_enter_fsopen")
int fsopen_entry(struct trace_event_raw_sys_enter *ctx)
{
    return probe_entry(NULL, NULL, (const char *)ctx->args[0], ctx->args[1], FSOPEN);
}

SEC("tracepoint/syscalls/sys_exit_fsopen")
int fsopen_exit(struct trace_event_raw_sys_exit *ctx) { return probe_exit(ctx, (int)ctx->ret); }
