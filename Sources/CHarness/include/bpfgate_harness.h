// What the measuring harness needs from C and Swift cannot call or should not run: the traffic generators'
// hot loops with real atomics, CPU affinity, unshare/setns, the uprobe target, pipe2 and posix_spawn's chdir
// (GNU extensions Swift does not import). No libbpf here: that is CBPFGateShim.
#ifndef BPFGATE_HARNESS_H
#define BPFGATE_HARNESS_H

#include <spawn.h>
#include <stdint.h>

/// A function of bpfgate's own binary that uprobes attach to (kept out of line and exported).
uint64_t bpfgate_uprobe_target(uint64_t x);

/// Pins the calling thread to the CPU it runs on; returns the previous affinity mask (NULL on failure)
/// for bpfgate_restore_affinity, which restores and frees it.
void *bpfgate_pin_to_current_cpu(int *cpu);
void bpfgate_restore_affinity(void *saved);

/// unshare(CLONE_FILES): give the calling thread a file-descriptor table of its own. 0 or -errno.
int bpfgate_unshare_files(void);

/// Traffic generators' hot loops (C, so the stop flag and the counter are real atomics and nothing else
/// runs between events). Each loop makes events of `kind` until *stop is set or CLOCK_MONOTONIC passes
/// deadline_ns or max_events are made, storing its running count in *count every 64 events; returns it.
enum bpfgate_traffic_kind {
    BPFGATE_TRAFFIC_GETPPID = 0,  /* syscall(SYS_getppid) */
    BPFGATE_TRAFFIC_GETPGID = 1,  /* syscall(SYS_getpgid, 0) */
    BPFGATE_TRAFFIC_OPENAT = 2,   /* openat(/dev/null) + close */
    BPFGATE_TRAFFIC_UPROBE = 3,   /* bpfgate_uprobe_target() */
    BPFGATE_TRAFFIC_UDP = 4,      /* send(fd) of a 64-byte datagram on a connected UDP socket */
    BPFGATE_TRAFFIC_TCP = 5,      /* send(fd) of 64 bytes on a connected TCP socket (TCP_NODELAY: a segment each) */
};
uint64_t bpfgate_traffic_run(int kind, int fd, const int *stop, uint64_t *count, uint64_t deadline_ns, uint64_t max_events);
uint64_t bpfgate_atomic_load_u64(const uint64_t *p);
void bpfgate_atomic_store_int(int *p, int v);
uint64_t bpfgate_monotonic_ns(void);

/// setns(fd, CLONE_NEWNET) and unshare(CLONE_NEWNET) for the calling thread (Glibc's Swift overlay hides
/// them behind _GNU_SOURCE). 0 or -errno.
int bpfgate_setns_net(int fd);
int bpfgate_unshare_net(void);

/// pipe2(fds, O_CLOEXEC): both ends close on exec, so no other child inherits them (GNU, not imported by Swift).
int bpfgate_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np: the child starts in `path` (glibc 2.29+).
int bpfgate_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
