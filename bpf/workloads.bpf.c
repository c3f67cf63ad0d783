// SPDX-License-Identifier: GPL-2.0
/* Helper programs of the workloads that make XDP's own events (`TrafficKind` xdp-aborted, xdp-redirect-err,
 * xdp-redirect, xdp-devmap, xdp-cpumap): attached on bpfgate's veth pair while your program on an xdp tracepoint is
 * measured, so that each UDP datagram bpfgate sends makes that event. Never attached anywhere else. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Only IPv4 datagrams meet the helper's action: ARP and the rest pass, or the sender's address would never resolve. */
static __always_inline int ipv4(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    return (void *)(eth + 1) <= end && eth->h_proto == bpf_htons(0x0800 /* ETH_P_IP */);
}

/* Key 0: the ifindex xdp-redirect sends to (bg-rx itself: out through its peer), written by user space. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} wl_redirect_to SEC(".maps");

/* Key 0: bg-rx, for xdp-devmap. */
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} wl_devmap SEC(".maps");

/* Key 0: CPU 0's queue, for xdp-cpumap. */
struct {
    __uint(type, BPF_MAP_TYPE_CPUMAP);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct bpf_cpumap_val);
} wl_cpumap SEC(".maps");

/* xdp_exception: every packet aborted. */
SEC("xdp")
int wl_aborted(struct xdp_md *ctx)
{
    return ipv4(ctx) ? XDP_ABORTED : XDP_PASS;
}

/* xdp_redirect_err: a redirect to an ifindex no device has. */
SEC("xdp")
int wl_redirect_err(struct xdp_md *ctx)
{
    return ipv4(ctx) ? bpf_redirect(0x7fffffff, 0) : XDP_PASS;
}

/* xdp_redirect: a redirect to bg-rx itself, which sends the frame out to its peer bg-tx. */
SEC("xdp")
int wl_redirect(struct xdp_md *ctx)
{
    __u32 zero = 0, *ifindex = bpf_map_lookup_elem(&wl_redirect_to, &zero);
    return ifindex && ipv4(ctx) ? bpf_redirect(*ifindex, 0) : XDP_PASS;
}

/* xdp_redirect_map and xdp_devmap_xmit. */
SEC("xdp")
int wl_devmap_redirect(struct xdp_md *ctx)
{
    return ipv4(ctx) ? bpf_redirect_map(&wl_devmap, 0, XDP_PASS) : XDP_PASS;
}

/* xdp_redirect_map, xdp_cpumap_enqueue and xdp_cpumap_kthread. */
SEC("xdp")
int wl_cpumap_redirect(struct xdp_md *ctx)
{
    return ipv4(ctx) ? bpf_redirect_map(&wl_cpumap, 0, XDP_PASS) : XDP_PASS;
}

/* On bg-tx, so that veth accepts frames redirected to it (its receive queue runs only with an XDP program). */
SEC("xdp")
int wl_pass(struct xdp_md *ctx)
{
    return XDP_PASS;
}
