// SPDX-License-Identifier: GPL-2.0
/* The pattern of xdp-tools' xdp-forward and the kernel's xdp_fwd sample: an XDP program that looks up the route of
 * each IPv4 and IPv6 packet with TTL > 1 by bpf_fib_lookup, rewrites the MAC addresses, lowers the TTL and redirects
 * to the egress device; anything else passes. Forwarded packets are counted per egress device.
 * CORPUS_SLOW (xdp_fwd_slow): a realistic slow-down on the forwarding path only: per-flow byte counts kept in a hash
 * map keyed by the 5-tuple of every forwarded packet. */
#include "corpus.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define AF_INET 2
#define AF_INET6 10

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u64);
} fwd_count SEC(".maps");

#ifdef CORPUS_SLOW
struct flow {
    __u32 saddr[4];
    __u32 daddr[4];
    __u8 proto;
    __u8 pad[3];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, struct flow);
    __type(value, __u64);
} flow_bytes SEC(".maps");
#endif

static __always_inline void lower_ttl(struct iphdr *iph)
{
    __u32 check = iph->check;
    check += bpf_htons(0x0100);
    iph->check = (__sum16)(check + (check >= 0xFFFF));
    iph->ttl--;
}

SEC("xdp")
int xdp_fwd_prog(struct xdp_md *ctx)
{
    void *data_end = (void *)(long)ctx->data_end;
    void *data = (void *)(long)ctx->data;
    struct ethhdr *eth = data;
    struct bpf_fib_lookup fib = {};
    struct ipv6hdr *ip6h = NULL;
    struct iphdr *iph = NULL;

    if ((void *)(eth + 1) > data_end)
        return XDP_DROP;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        iph = (void *)(eth + 1);
        if ((void *)(iph + 1) > data_end)
            return XDP_DROP;
        if (iph->ttl <= 1)
            return XDP_PASS;
        fib.family = AF_INET;
        fib.tos = iph->tos;
        fib.l4_protocol = iph->protocol;
        fib.tot_len = bpf_ntohs(iph->tot_len);
        fib.ipv4_src = iph->saddr;
        fib.ipv4_dst = iph->daddr;
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        ip6h = (void *)(eth + 1);
        if ((void *)(ip6h + 1) > data_end)
            return XDP_DROP;
        if (ip6h->hop_limit <= 1)
            return XDP_PASS;
        fib.family = AF_INET6;
        fib.l4_protocol = ip6h->nexthdr;
        fib.tot_len = bpf_ntohs(ip6h->payload_len);
        __builtin_memcpy(fib.ipv6_src, &ip6h->saddr, sizeof(fib.ipv6_src));
        __builtin_memcpy(fib.ipv6_dst, &ip6h->daddr, sizeof(fib.ipv6_dst));
    } else {
        return XDP_PASS;
    }
    fib.ifindex = ctx->ingress_ifindex;
    if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
        return XDP_PASS;
    /* Re-derived after the call: the verifier forgets which of the two headers was checked. */
    data_end = (void *)(long)ctx->data_end;
    data = (void *)(long)ctx->data;
    eth = data;
    if (fib.family == AF_INET) {
        iph = (void *)(eth + 1);
        if ((void *)(iph + 1) > data_end)
            return XDP_DROP;
        lower_ttl(iph);
    } else {
        ip6h = (void *)(eth + 1);
        if ((void *)(ip6h + 1) > data_end)
            return XDP_DROP;
        ip6h->hop_limit--;
    }
    __builtin_memcpy(eth->h_dest, fib.dmac, 6);
    __builtin_memcpy(eth->h_source, fib.smac, 6);
#ifdef CORPUS_SLOW
    struct flow f = { .proto = fib.l4_protocol };
    __builtin_memcpy(f.saddr, fib.ipv6_src, sizeof(f.saddr));
    __builtin_memcpy(f.daddr, fib.ipv6_dst, sizeof(f.daddr));
    __u64 *bytes = bpf_map_lookup_elem(&flow_bytes, &f);
    if (bytes) {
        __sync_fetch_and_add(bytes, fib.tot_len);
    } else {
        __u64 first = fib.tot_len;
        bpf_map_update_elem(&flow_bytes, &f, &first, BPF_NOEXIST);
    }
#endif
    __u32 key = fib.ifindex & 0xff;
    __u64 *n = bpf_map_lookup_elem(&fwd_count, &key);
    if (n)
        (*n)++;
    return bpf_redirect(fib.ifindex, 0);
}
