// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's usdt: a program in a bare `usdt` section (its loader attaches it to a probe by
 * provider and name) and one whose section names libc's setjmp probe, reading the probe's arguments with
 * BPF_USDT; and bcc's pythoncalls pattern, on the interpreter's function__entry probe. */
#include "corpus.h"
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} seen SEC(".maps");

static __always_inline void count(long v)
{
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&seen, &zero);
    if (n)
        *n += 1 + (v & 1);
}

SEC("usdt")
int BPF_USDT(usdt_manual_attach, long x)
{
    count(x);
    return 0;
}

SEC("usdt/libc.so.6:libc:setjmp")
int BPF_USDT(usdt_auto_attach, void *env, int savemask, void *pc)
{
    count(savemask);
    return 0;
}

SEC("usdt")
int BPF_USDT(python_entry, void *file, void *function, int line)
{
    char name[32];
    bpf_probe_read_user_str(name, sizeof(name), function);
    count(line + name[0]);
    return 0;
}
