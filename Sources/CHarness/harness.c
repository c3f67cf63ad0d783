#define _GNU_SOURCE
#include "bpfgate_harness.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/sdt.h>

__attribute__((noinline, used, visibility("default")))
uint64_t bpfgate_uprobe_target(uint64_t x) {
    __asm__ volatile("" : "+r"(x));
    /* A USDT probe (a nop and a .note.stapsdt entry) for USDT programs: `bpfgate:target`, its argument x. */
    DTRACE_PROBE1(bpfgate, target, x);
    return x + 1;
}

// ---- CPU affinity -------------------------------------------------------------------------------
void *bpfgate_pin_to_current_cpu(int *cpu) {
    cpu_set_t *saved = malloc(sizeof *saved);
    if (!saved) return NULL;
    if (sched_getaffinity(0, sizeof *saved, saved) != 0) { free(saved); return NULL; }
    int current = sched_getcpu();
    if (current < 0) { free(saved); return NULL; }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(current, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) { free(saved); return NULL; }
    *cpu = current;
    return saved;
}

void bpfgate_restore_affinity(void *saved) {
    if (!saved) return;
    sched_setaffinity(0, sizeof(cpu_set_t), (cpu_set_t *)saved);
    free(saved);
}

int bpfgate_unshare_files(void) {
    return unshare(CLONE_FILES) ? -errno : 0;
}

// ---- traffic ------------------------------------------------------------------------------------

uint64_t bpfgate_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bpfgate_atomic_load_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void bpfgate_atomic_store_int(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

// ---- network namespaces ---------------------------------------------------------------------------
int bpfgate_setns_net(int fd) { return setns(fd, CLONE_NEWNET) ? -errno : 0; }
int bpfgate_unshare_net(void) { return unshare(CLONE_NEWNET) ? -errno : 0; }

// ---- child processes ------------------------------------------------------------------------------
int bpfgate_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int bpfgate_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

// ---- perf events ---------------------------------------------------------------------------------
int bpfgate_perf_event_cpu_clock(int cpu, uint64_t period_ns) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.sample_period = period_ns;
    long fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}
