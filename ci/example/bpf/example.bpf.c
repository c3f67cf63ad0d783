// SPDX-License-Identifier: GPL-2.0
/* An example project's BPF object for bpfgate: copy ci/example/ and adapt. Plain <linux/bpf.h> and libbpf's
 * headers, no vmlinux.h. Each program shows one way bpfgate finds its hook and traffic:
 *   count_getppid   tracepoint/syscalls/sys_enter_getppid: derived (tracepoint, getppid generator)
 *   count_uname     tracepoint/syscalls/sys_enter_newuname: the hook is derived, the traffic is declared in
 *                   bpfgate.json (a command of your own)
 *   pass_udp        xdp: derived (bpfgate's veth pair, udp generator)
 *   on_my_binary    uprobe on the loader's own function: not derivable (bpfgate lists it with the reason; a
 *                   declaration's target and command would make it run) */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);   /* tgid */
    __type(value, __u64); /* calls */
} calls SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} packets SEC(".maps");

/* Extra work per event, 0 by default: `EXTRA_CFLAGS=-DEXTRA_WORK=100 ./build.sh slow` builds a slower
 * version, what a regression looks like to `bpfgate check --base-objects build --head-objects slow`. */
#ifndef EXTRA_WORK
#define EXTRA_WORK 0
#endif

static __always_inline void count_caller(void)
{
    for (int i = 0; i < EXTRA_WORK; i++)
        bpf_get_prandom_u32();
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    __u64 one = 1, *n = bpf_map_lookup_elem(&calls, &tgid);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&calls, &tgid, &one, BPF_NOEXIST);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
    count_caller();
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_newuname")
int count_uname(void *ctx)
{
    count_caller();
    return 0;
}

SEC("xdp")
int pass_udp(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&packets, &zero);
    if (n)
        *n += 1;
    return XDP_PASS;
}

SEC("uprobe//proc/self/exe:my_function")
int on_my_binary(void *ctx)
{
    count_caller();
    return 0;
}
