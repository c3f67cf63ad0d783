// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's sockfilter and tc: a socket filter that parses each packet's IPv4 header and
 * sends a summary through a ring buffer, and a tc ingress classifier that reads the header and passes the packet. */
#include "corpus.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800
#define ETH_HLEN 14

struct so_event {
    __be32 src_addr;
    __be32 dst_addr;
    __u32 ip_proto;
    __u32 pkt_type;
    __u32 ifindex;
};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} rb SEC(".maps");

SEC("socket")
int socket_handler(struct __sk_buff *skb)
{
    __u16 proto;
    bpf_skb_load_bytes(skb, 12, &proto, 2);
    /* A socket of a UDP datagram sees it from the IP header on: look at the version nibble too. */
    __u8 first;
    bpf_skb_load_bytes(skb, 0, &first, 1);
    if (bpf_ntohs(proto) != ETH_P_IP && (first >> 4) != 4)
        return skb->len;
    struct so_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
    if (!e)
        return skb->len;
    bpf_skb_load_bytes(skb, 9, &e->ip_proto, 1);
    bpf_skb_load_bytes(skb, 12, &e->src_addr, 4);
    bpf_skb_load_bytes(skb, 16, &e->dst_addr, 4);
    e->pkt_type = skb->pkt_type;
    e->ifindex = skb->ifindex;
    bpf_ringbuf_submit(e, 0);
    return skb->len;
}

__u64 ip_packets = 0;

SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
    void *data_end = (void *)(__u64)ctx->data_end;
    void *data = (void *)(__u64)ctx->data;
    if (ctx->protocol != bpf_htons(ETH_P_IP))
        return 0; /* TC_ACT_OK */
    struct iphdr *ip = data + ETH_HLEN;
    if ((void *)(ip + 1) > data_end)
        return 0;
    /* (libbpf-bootstrap's example prints the header with bpf_printk; a counter here, so that the host's trace
     * buffer is left alone.) */
    __sync_fetch_and_add(&ip_packets, 1);
    return 0;
}
