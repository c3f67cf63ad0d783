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

/// Workloads (traffic generators): each thread of a generator runs bpfgate_traffic_run (workloads.c), which
/// sets up what its kind needs (files in `dir`, pipes, sockets in a network namespace of the thread's own, a
/// partner thread), makes events of `kind` until *stop is set or CLOCK_MONOTONIC passes deadline_ns or
/// max_events are made, storing its running count in *count every 64 events, undoes its set-up and returns the
/// count, or -errno when the set-up or an event failed. The kinds from BPFGATE_TRAFFIC_FIRST_JAILED on are
/// privileged syscalls: they run in a child with private user and mount namespaces and no capability, where
/// they fail (EPERM) and change nothing, while their tracepoints fire. What each kind fires: `TrafficKind.facts`.
enum bpfgate_traffic_kind {
    BPFGATE_TRAFFIC_GETPPID = 0,  /* syscall(SYS_getppid) */
    BPFGATE_TRAFFIC_GETPGID,      /* syscall(SYS_getpgid, 0) */
    BPFGATE_TRAFFIC_OPENAT,       /* openat(/dev/null) + close */
    BPFGATE_TRAFFIC_UPROBE,       /* bpfgate_uprobe_target() */
    BPFGATE_TRAFFIC_UDP,          /* send(fd) of a 64-byte datagram on a connected UDP socket */
    BPFGATE_TRAFFIC_TCP,          /* send(fd) of 64 bytes on a connected TCP socket (TCP_NODELAY: a segment each) */
    /* files in `dir` (a 4 KB file of the thread's own) */
    BPFGATE_TRAFFIC_READ, BPFGATE_TRAFFIC_WRITE, BPFGATE_TRAFFIC_PREAD64, BPFGATE_TRAFFIC_PWRITE64, BPFGATE_TRAFFIC_LSEEK,
    BPFGATE_TRAFFIC_FSYNC, BPFGATE_TRAFFIC_FDATASYNC, BPFGATE_TRAFFIC_NEWFSTAT, BPFGATE_TRAFFIC_FSTATFS, BPFGATE_TRAFFIC_STATFS,
    BPFGATE_TRAFFIC_NEWSTAT, BPFGATE_TRAFFIC_NEWLSTAT, BPFGATE_TRAFFIC_NEWFSTATAT, BPFGATE_TRAFFIC_STATX,
    BPFGATE_TRAFFIC_OPEN, BPFGATE_TRAFFIC_OPENAT2, BPFGATE_TRAFFIC_UNLINK, BPFGATE_TRAFFIC_UNLINKAT,
    BPFGATE_TRAFFIC_RENAME, BPFGATE_TRAFFIC_RENAMEAT, BPFGATE_TRAFFIC_RENAMEAT2, BPFGATE_TRAFFIC_MKDIR, BPFGATE_TRAFFIC_MKDIRAT,
    BPFGATE_TRAFFIC_DUP, BPFGATE_TRAFFIC_DUP2, BPFGATE_TRAFFIC_DUP3,
    BPFGATE_TRAFFIC_DIRECT_IO,    /* O_DIRECT 4 KB writes over a 256 KB file: block I/O (dir on a block device) */
    BPFGATE_TRAFFIC_SYNC_FILE_RANGE, /* 64 bytes written, then sync_file_range over them (wait, write, wait) */
    BPFGATE_TRAFFIC_MSYNC,        /* a byte of a shared mapping of the file changed, then msync(MS_SYNC) */
    /* processes, signals, memory, time */
    BPFGATE_TRAFFIC_KILL, BPFGATE_TRAFFIC_TGKILL, BPFGATE_TRAFFIC_TKILL,  /* signal 0 to ourselves */
    BPFGATE_TRAFFIC_CLONE,        /* a child that exits at once (CLONE_VM | CLONE_VFORK), reaped */
    BPFGATE_TRAFFIC_EXECVE, BPFGATE_TRAFFIC_EXECVEAT,  /* a child that runs BPFGATE_WORKLOAD_BINARY */
    BPFGATE_TRAFFIC_MMAP,         /* mmap 4 KB, touch it (a page fault), munmap */
    BPFGATE_TRAFFIC_NANOSLEEP, BPFGATE_TRAFFIC_CLOCK_NANOSLEEP,  /* 1 us sleeps */
    BPFGATE_TRAFFIC_PINGPONG,     /* a byte back and forth over two pipes with a partner thread: switches, wakeups */
    BPFGATE_TRAFFIC_PIPE2,
    BPFGATE_TRAFFIC_GETPID, BPFGATE_TRAFFIC_GETTID, BPFGATE_TRAFFIC_GETUID, BPFGATE_TRAFFIC_SCHED_YIELD,
    BPFGATE_TRAFFIC_NEWUNAME, BPFGATE_TRAFFIC_GETRANDOM,
    /* sockets on lo of the thread's own network namespace */
    BPFGATE_TRAFFIC_SOCKET, BPFGATE_TRAFFIC_BIND,
    BPFGATE_TRAFFIC_CONNECT,      /* TCP connect + accept (accept and accept4 in turn) + close */
    BPFGATE_TRAFFIC_SENDTO,       /* UDP sendto + recvfrom */
    BPFGATE_TRAFFIC_SENDMSG,      /* UDP sendmsg + recvmsg */
    BPFGATE_TRAFFIC_TCP_STREAM,   /* 64 bytes over an established TCP connection (TCP_NODELAY), received */
    BPFGATE_TRAFFIC_FUTEX,        /* FUTEX_WAKE on a futex word of our own, no waiter */
    BPFGATE_TRAFFIC_SYNC,         /* sync(): every filesystem's dirty data written back (only for sync's own events) */
    BPFGATE_TRAFFIC_SYNCFS,       /* syncfs() on the filesystem of the workload's file */
    BPFGATE_TRAFFIC_ITERATE,      /* the iterator attached in `iter` (a bpfgate_iter_slot) read to its end */
    /* jailed: privileged syscalls with invalid arguments, in a child without capabilities */
    BPFGATE_TRAFFIC_MOUNT, BPFGATE_TRAFFIC_FIRST_JAILED = BPFGATE_TRAFFIC_MOUNT,
    BPFGATE_TRAFFIC_UMOUNT, BPFGATE_TRAFFIC_FSOPEN, BPFGATE_TRAFFIC_FSCONFIG, BPFGATE_TRAFFIC_FSMOUNT,
    BPFGATE_TRAFFIC_MOVE_MOUNT, BPFGATE_TRAFFIC_PIVOT_ROOT, BPFGATE_TRAFFIC_CHROOT, BPFGATE_TRAFFIC_REBOOT,
    BPFGATE_TRAFFIC_INIT_MODULE, BPFGATE_TRAFFIC_FINIT_MODULE, BPFGATE_TRAFFIC_DELETE_MODULE,
    BPFGATE_TRAFFIC_SWAPON, BPFGATE_TRAFFIC_SWAPOFF, BPFGATE_TRAFFIC_SETTIMEOFDAY, BPFGATE_TRAFFIC_CLOCK_SETTIME,
    BPFGATE_TRAFFIC_SETHOSTNAME, BPFGATE_TRAFFIC_ACCT,
    BPFGATE_TRAFFIC_KINDS
};
#define BPFGATE_WORKLOAD_BINARY "/bin/true"

/// Where the iterate workload finds the iterator to read: the link of whichever BPF iterator program is attached
/// at the moment (-1: none). Setting it waits until no reader is creating an iterator from the old link, so the
/// link may be destroyed as soon as the set returns (an iterator already created holds its program itself).
struct bpfgate_iter_slot;
struct bpfgate_iter_slot *bpfgate_iter_slot_new(void);
void bpfgate_iter_slot_free(struct bpfgate_iter_slot *slot);
void bpfgate_iter_slot_set(struct bpfgate_iter_slot *slot, int link_fd);
/// Reads the attached iterator once to its end (BPF_ITER_CREATE, read until 0): 0, 1 when none is attached, or
/// -errno.
long bpfgate_iter_read_once(struct bpfgate_iter_slot *slot);
long bpfgate_traffic_run(int kind, int socket_fd, struct bpfgate_iter_slot *iter, const char *dir, const int *stop,
                         uint64_t *count, uint64_t deadline_ns, uint64_t max_events);
int bpfgate_traffic_is_jailed(int kind);
uint64_t bpfgate_atomic_load_u64(const uint64_t *p);
void bpfgate_atomic_store_int(int *p, int v);
uint64_t bpfgate_monotonic_ns(void);

/// A rate-limited workload (the guide's capacity check): getppid() at `rate` calls per second for `duration_ns`,
/// in slots of 1 ms (each slot's calls back to back, then asleep until the next slot); stops early when *stop is
/// set. Returns the calls made; *cpu_ns gets the calling thread's CPU time over them (CLOCK_THREAD_CPUTIME_ID).
long bpfgate_paced_getppid(uint64_t rate, uint64_t duration_ns, const int *stop, uint64_t *cpu_ns);

/// perf_event_open of a software CPU clock on `cpu` (every task), sampling every `period_ns`: the event a
/// perf_event program attaches to. The fd (close-on-exec), or -errno.
int bpfgate_perf_event_cpu_clock(int cpu, uint64_t period_ns);

/// setns(fd, CLONE_NEWNET) and unshare(CLONE_NEWNET) for the calling thread (Glibc's Swift overlay hides
/// them behind _GNU_SOURCE). 0 or -errno.
int bpfgate_setns_net(int fd);
int bpfgate_unshare_net(void);

/// pipe2(fds, O_CLOEXEC): both ends close on exec, so no other child inherits them (GNU, not imported by Swift).
int bpfgate_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np: the child starts in `path` (glibc 2.29+).
int bpfgate_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
