// SPDX-License-Identifier: GPL-2.0
/* Programs the test suite needs and no benchmark runs. Nothing here is loaded unless a test asks for it
 * by name (every program's autoload is switched off but the one under test). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} table SEC(".maps");

/* The verifier must reject this: the lookup's result may be NULL and is dereferenced unchecked.
 * Tests check that the load error carries the verifier's own words. */
SEC("xdp")
int reject_null_deref(struct xdp_md *ctx)
{
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&table, &key);
    return *value ? XDP_PASS : XDP_DROP;
}

/* A valid program in the same object, to show that one rejected program fails the object's load. */
SEC("xdp")
int accept_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}

/* Rejected like reject_null_deref, but only after ~600 instructions, so the verifier log runs to tens of
 * kilobytes and the reason sits at its very end: tests check that the whole log is kept. */
SEC("xdp")
int reject_after_long_log(struct xdp_md *ctx)
{
    __u32 key = 0;
    __u64 acc = ctx->data_end - ctx->data;
#pragma unroll
    for (int i = 0; i < 200; i++) {
        acc = acc * 3 + i;
        asm volatile("" : "+r"(acc));
    }
    __u64 *value = bpf_map_lookup_elem(&table, &key);
    return (*value + acc) ? XDP_PASS : XDP_DROP;
}

/* Programs on hooks that getppid() traffic does not reach, for the tests of `run --object`: the counting
 * reference of a program must attach to the program's own target (a reference on getppid's tracepoint
 * never runs under openat traffic). Each counts the calls it sees and folds in one argument, so it does a
 * little more than the counting reference. Slot 0: openat, 1: getpgid, 2: raw_tp sys_exit, 3: tp_btf. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} seen_calls SEC(".maps");

static __always_inline int seen(__u32 slot, __u64 argument)
{
    __u64 *n = bpf_map_lookup_elem(&seen_calls, &slot);
    if (n)
        *n += 1 + (argument & 1);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int openat_calls(struct trace_event_raw_sys_enter *ctx) { return seen(0, ctx->args[2]); }

SEC("tracepoint/syscalls/sys_enter_getpgid")
int getpgid_calls(struct trace_event_raw_sys_enter *ctx) { return seen(1, ctx->args[0]); }

SEC("raw_tp/sys_exit")
int exit_calls(struct bpf_raw_tracepoint_args *ctx) { return seen(2, ctx->args[1]); }

SEC("tp_btf/sys_exit")
int exit_calls_btf(__u64 *ctx) { return seen(3, ctx[1]); }
