// SPDX-License-Identifier: GPL-2.0
/* An XDP classifier that hashes the first HASH_STEPS bytes of each frame (include/steps.h) and keeps the sum in a
 * map; every frame passes. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "steps.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} hash_sum SEC(".maps");

SEC("xdp")
int xdp_steps(struct xdp_md *ctx)
{
    unsigned char *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u64 h = STEPS_VERSION;
    __u32 zero = 0;

    if ((void *)(data + 32) > data_end)
        return XDP_PASS;
    for (int i = 0; i < HASH_STEPS; i++)
        h = h * 31 + data[i & 31];
    __u64 *sum = bpf_map_lookup_elem(&hash_sum, &zero);
    if (sum)
        *sum += h;
    return XDP_PASS;
}
