// SPDX-License-Identifier: GPL-2.0
/* Programs that act on other processes, as security and debugging tools do: a signal to the process that
 * execs (guarded by a .rodata switch, off here) and a write into user memory from a subprogram in .text. bpfgate
 * must refuse both without attaching them: a helper scan of the object finds the calls. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

const volatile int kill_signal = 0;
const volatile bool poke = false;

SEC("tp/sched/sched_process_exec")
int signal_on_exec(void *ctx)
{
    if (kill_signal)
        bpf_send_signal(kill_signal);
    return 0;
}

__noinline int overwrite(void *where, __u64 value)
{
    if (!poke || !where)
        return 0;
    return bpf_probe_write_user(where, &value, sizeof(value));
}

SEC("tracepoint/syscalls/sys_enter_write")
int poke_on_write(struct trace_event_raw_sys_enter *ctx)
{
    return overwrite((void *)ctx->args[1], 0);
}
