// SPDX-License-Identifier: GPL-2.0
/* The pattern of the kernel's BPF flow dissector (selftests' bpf_flow.c, as Cilium and others attach it): parse the
 * Ethernet, VLAN, IPv4/IPv6 and TCP/UDP headers into the flow keys by direct packet access (a dissector has no
 * socket buffer to load bytes from when the kernel calls it without one); what it cannot parse is dropped. */
#include "corpus.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100

static __always_inline void *header(struct __sk_buff *skb, __u32 off, __u32 len)
{
    void *data_end = (void *)(long)skb->data_end;
    /* Bounds the variable offset for the verifier (headers sit in the first 1 KB). */
    if (off > 1024)
        return NULL;
    void *p = (void *)(long)skb->data + off;
    if (p + len > data_end)
        return NULL;
    return p;
}

static __always_inline int ports(struct __sk_buff *skb, struct bpf_flow_keys *keys, __u8 proto, __u32 off)
{
    keys->ip_proto = proto;
    if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
        return BPF_OK;
    __be16 *p = header(skb, off, 4);
    if (!p)
        return BPF_DROP;
    keys->sport = p[0];
    keys->dport = p[1];
    keys->thoff = off;
    return BPF_OK;
}

SEC("flow_dissector")
int dissect(struct __sk_buff *skb)
{
    struct bpf_flow_keys *keys = skb->flow_keys;
    __u32 off = keys->nhoff;
    __be16 proto = keys->n_proto;

    if (proto == bpf_htons(ETH_P_8021Q)) {
        __be16 *tag = header(skb, off, 4);
        if (!tag)
            return BPF_DROP;
        proto = tag[1];
        off += 4;
        keys->n_proto = proto;
    }
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *iph = header(skb, off, sizeof(*iph));
        if (!iph)
            return BPF_DROP;
        keys->addr_proto = ETH_P_IP;
        keys->ipv4_src = iph->saddr;
        keys->ipv4_dst = iph->daddr;
        return ports(skb, keys, iph->protocol, off + iph->ihl * 4);
    }
    if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6h = header(skb, off, sizeof(*ip6h));
        if (!ip6h)
            return BPF_DROP;
        keys->addr_proto = ETH_P_IPV6;
        __builtin_memcpy(keys->ipv6_src, &ip6h->saddr, 16);
        __builtin_memcpy(keys->ipv6_dst, &ip6h->daddr, 16);
        return ports(skb, keys, ip6h->nexthdr, off + sizeof(*ip6h));
    }
    return BPF_DROP;
}
