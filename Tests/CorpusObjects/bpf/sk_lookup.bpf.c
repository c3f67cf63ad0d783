// SPDX-License-Identifier: GPL-2.0
/* The pattern of sk_lookup dispatchers (Cloudflare's tubular, the kernel's test_sk_lookup): steer connections to a
 * port range onto the socket held in a sockmap; other connections go on to the regular lookup. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_SOCKMAP);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} target_socket SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} steered SEC(".maps");

const volatile __u16 port_lo = 6000, port_hi = 6999;

SEC("sk_lookup")
int dispatch(struct bpf_sk_lookup *ctx)
{
    __u32 zero = 0;
    if (ctx->local_port < port_lo || ctx->local_port > port_hi)
        return SK_PASS;
    struct bpf_sock *sk = bpf_map_lookup_elem(&target_socket, &zero);
    if (!sk)
        return SK_PASS;
    long err = bpf_sk_assign(ctx, sk, 0);
    bpf_sk_release(sk);
    __u64 *n = bpf_map_lookup_elem(&steered, &zero);
    if (n && !err)
        __sync_fetch_and_add(n, 1);
    return err ? SK_DROP : SK_PASS;
}
