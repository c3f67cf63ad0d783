// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's task_iter: an iterator over every task, writing one record per task to the
 * reader's seq_file. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

struct task_info {
    pid_t pid;
    pid_t tid;
    __u32 state;
    char comm[TASK_COMM_LEN];
};

SEC("iter/task")
int get_tasks(struct bpf_iter__task *ctx)
{
    struct seq_file *seq = ctx->meta->seq;
    struct task_struct *task = ctx->task;
    if (!task)
        return 0;
    struct task_info t = {.pid = task->tgid, .tid = task->pid, .state = task->__state};
    bpf_probe_read_kernel_str(t.comm, TASK_COMM_LEN, task->comm);
    bpf_seq_write(seq, &t, sizeof(t));
    return 0;
}
