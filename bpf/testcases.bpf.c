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
