// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's vfsstat: counters of VFS calls, as kprobe and fentry twins (the loader picks the family
 * the kernel supports). */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

enum stat_types { S_READ, S_WRITE, S_MAXSTAT };

__u64 stats[S_MAXSTAT] = {};

static __always_inline int inc_stat(enum stat_types key)
{
    __atomic_add_fetch(&stats[key], 1, __ATOMIC_RELAXED);
    return 0;
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(kprobe_vfs_read) { return inc_stat(S_READ); }

SEC("kprobe/vfs_write")
int BPF_KPROBE(kprobe_vfs_write) { return inc_stat(S_WRITE); }

SEC("fentry/vfs_read")
int BPF_PROG(fentry_vfs_read) { return inc_stat(S_READ); }

SEC("fentry/vfs_write")
int BPF_PROG(fentry_vfs_write) { return inc_stat(S_WRITE); }
