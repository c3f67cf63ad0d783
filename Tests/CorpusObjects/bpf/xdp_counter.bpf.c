// SPDX-License-Identifier: GPL-2.0
/* The pattern of xdp-tutorial's basic03 and basic02: an XDP program counting packets and bytes in a per-CPU array,
 * and one that passes every packet, in sections named the way libbpf before 1.0 read them (`xdp_<name>`, which
 * libbpf 1.x leaves to the loader to type). */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

struct datarec {
    __u64 rx_packets;
    __u64 rx_bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 5);
    __type(key, __u32);
    __type(value, struct datarec);
} xdp_stats_map SEC(".maps");

SEC("xdp_stats1")
int xdp_stats1_func(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    void *data = (void *)(long)ctx->data;
    __u32 key = XDP_PASS;
    struct datarec *rec = bpf_map_lookup_elem(&xdp_stats_map, &key);
    if (!rec)
        return XDP_ABORTED;
    rec->rx_packets++;
    rec->rx_bytes += data_end - data;
    return XDP_PASS;
}

SEC("xdp_pass")
int xdp_pass_func(struct xdp_md *ctx)
{
    return XDP_PASS;
}
