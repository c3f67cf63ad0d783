/* The gate's demonstration program (Bencher's eBPF story): an XDP classifier that passes UDP packets whose
 * destination port is a Fibonacci number and drops the rest. Two implementations of the same check:
 *   FIB_TABLE defined: a sorted table of the Fibonacci numbers below 65536, searched in 5 fixed steps;
 *   otherwise:        the numbers recomputed for every packet, up to 25 loop iterations.
 * bpf/xdp_demo.bpf.c (fast, what bpfgate ships) and bpf/xdp_demo_slow.bpf.c (slow) include this file, so
 * both objects have the same maps and program name: A/B compares them as base and head. */
#ifndef BPFGATE_XDP_FIB_H
#define BPFGATE_XDP_FIB_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdp_demo.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, DEMO_VERDICTS);
    __type(key, __u32);
    __type(value, __u64);
} demo_verdicts SEC(".maps");

/* Packets seen per UDP destination port: the classifier's bookkeeping, a hash update per packet. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, __u64);
} port_hits SEC(".maps");

/* Key 0: struct demo_config, written by user space after load (extra work for calibration experiments). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct demo_config);
} demo_cfg SEC(".maps");

#ifdef FIB_TABLE
/* The 24 Fibonacci numbers below 65536 (1 once), padded to 32 with a value above any port. */
static const __u32 fibs[32] = {
    0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987,
    1597, 2584, 4181, 6765, 10946, 17711, 28657, 46368, 0x10000, 0x10000, 0x10000, 0x10000,
    0x10000, 0x10000, 0x10000, 0x10000,
};

static __always_inline int is_fibonacci(__u32 n)
{
    __u32 lo = 0;
#pragma unroll
    for (int step = 16; step > 0; step >>= 1)
        if (fibs[(lo + step) & 31] <= n)
            lo += step;
    return fibs[lo & 31] == n;
}
#else
static __always_inline int is_fibonacci(__u32 n)
{
    /* The whole sequence below 65536 is recomputed for every packet, like the naive first version of
     * Bencher's example: no early exit. */
    __u32 a = 0, b = 1;
    int found = 0;
    for (int i = 0; i < 25; i++) {
        /* Keep clang from folding the sequence into constants: the point is recomputing it. */
        asm volatile("" : "+r"(a), "+r"(b));
        found |= a == n;
        __u32 next = a + b;
        a = b;
        b = next;
    }
    return found;
}
#endif

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    __u32 verdict = DEMO_NOT_UDP, zero = 0;
    int action = XDP_PASS;

    struct demo_config *cfg = bpf_map_lookup_elem(&demo_cfg, &zero);
    /* Calibration only: a known amount of extra work, 0 unless an experiment asks: up to 64 steps of a
     * loop the compiler may not remove, well under a nanosecond each, to inject costs of a few percent. */
    __u32 spin = cfg ? cfg->extra_work : 0;
    for (__u32 i = 0; i < 64; i++) {
        if (i >= spin)
            break;
        asm volatile("" ::: "memory");
    }

    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(0x0800 /* ETH_P_IP */))
        goto out;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != 17 /* IPPROTO_UDP */ || ip->ihl != 5)
        goto out;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > end)
        goto out;
    __u32 port = bpf_ntohs(udp->dest);
    __u64 one = 1, *seen = bpf_map_lookup_elem(&port_hits, &port);
    if (seen)
        __sync_fetch_and_add(seen, 1);
    else
        bpf_map_update_elem(&port_hits, &port, &one, BPF_NOEXIST);
    if (is_fibonacci(port)) {
        verdict = DEMO_PASSED;
    } else {
        verdict = DEMO_DROPPED;
        action = XDP_DROP;
    }
out:;
    __u64 *n = bpf_map_lookup_elem(&demo_verdicts, &verdict);
    if (n)
        *n += 1;
    return action;
}

#endif
