// SPDX-License-Identifier: GPL-2.0
/* Programs that act on other processes, as security and debugging tools do: a signal to the process that
 * execs (guarded by a .rodata switch, off here), the same through the bpf_send_signal_task kfunc, and a write into
 * user memory from a subprogram in .text. bpfgate must refuse them without attaching them: a scan of the object finds
 * the calls (helpers by id, kfuncs by their relocations). */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

const volatile int kill_signal = 0;
const volatile bool poke = false;

extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, u64 value) __ksym;

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

SEC("tp_btf/sched_process_exec")
int BPF_PROG(signal_task_on_exec, struct task_struct *p)
{
    if (kill_signal)
        bpf_send_signal_task(p, kill_signal, PIDTYPE_PID, 0);
    return 0;
}
