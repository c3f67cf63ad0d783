// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's minimal: a write(2) tracepoint that acts only for one pid, set by the loader
 * in .bss (0 here: the program runs on every write and returns at once). */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

int my_pid = 0;
__u64 seen = 0;

SEC("tp/syscalls/sys_enter_write")
int handle_tp(void *ctx)
{
    int pid = bpf_get_current_pid_tgid() >> 32;
    if (pid != my_pid)
        return 0;
    __sync_fetch_and_add(&seen, 1);
    return 0;
}
