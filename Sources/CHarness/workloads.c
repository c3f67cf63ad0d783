// The workloads' hot loops: one C function per thread makes events of one kind until told to stop. Each
// kind sets up what it needs (files in the caller's private directory, pipes, sockets in a network namespace
// of the thread's own, a partner thread, a child stack), makes one event per step, and undoes all of it before
// it returns. Privileged syscalls run only in a jailed child (see jail_run). The Swift side is
// `TrafficGenerator` (Harness); what each kind fires is `TrafficKind.facts` (BPFCatalog).
#define _GNU_SOURCE
#include "bpfgate_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STEPS_PER_CHECK 64
#define FILE_BYTES 4096
#define DIRECT_BLOCKS 64
#define CHILD_STACK (64 * 1024)

struct workload {
    int kind;
    const char *dir;
    int socket;          /* the caller's connected socket (udp, tcp) */
    struct bpfgate_iter_slot *iter;  /* iterate: where the attached iterator's link is */
    int file;            /* a 4 KB file in dir */
    int fds[4];          /* sockets or pipe ends, -1 when unused */
    char path[PATH_MAX];
    char path2[PATH_MAX];
    struct sockaddr_in addr;
    pthread_t partner;
    int has_partner;
    char *stack;         /* the clone child's stack */
    char *mapping;       /* msync: the file, mapped shared */
    uint64_t step;
    uint64_t sink;
    uint32_t futex_word;
    char *buffer;        /* 4 KB, aligned for O_DIRECT */
};

// ---- set-up --------------------------------------------------------------------------------------

/// The thread's own network namespace with lo up: sockets of the workload stay out of the host's namespace
/// and go away with the thread.
static int own_network(void) {
    if (unshare(CLONE_NEWNET) != 0) return -errno;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int err = 0;
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) err = -errno;
    ifr.ifr_flags |= IFF_UP;
    if (!err && ioctl(s, SIOCSIFFLAGS, &ifr) != 0) err = -errno;
    close(s);
    return err;
}

static int make_file(struct workload *w, const char *name, int flags) {
    if (!w->dir) return -ENOENT;
    snprintf(w->path, sizeof w->path, "%s/%s-%ld", w->dir, name, (long)syscall(SYS_gettid));
    snprintf(w->path2, sizeof w->path2, "%s/%s-%ld.2", w->dir, name, (long)syscall(SYS_gettid));
    int fd = open(w->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | flags, 0600);
    if (fd < 0) return -errno;
    w->file = fd;
    return 0;
}

static int fill_file(struct workload *w) {
    memset(w->buffer, 'b', FILE_BYTES);
    ssize_t r = pwrite(w->file, w->buffer, FILE_BYTES, 0);
    return r == FILE_BYTES ? 0 : r < 0 ? -errno : -EIO;
}

static int loopback_pair(struct workload *w, int type) {
    int a = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (a < 0) return -errno;
    w->fds[0] = a;
    memset(&w->addr, 0, sizeof w->addr);
    w->addr.sin_family = AF_INET;
    w->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof w->addr;
    if (bind(a, (struct sockaddr *)&w->addr, sizeof w->addr) != 0 || getsockname(a, (struct sockaddr *)&w->addr, &len) != 0)
        return -errno;
    if (type == SOCK_STREAM) return listen(a, 16) == 0 ? 0 : -errno;
    int b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (b < 0) return -errno;
    w->fds[1] = b;
    return 0;
}

static void *partner_loop(void *arg) {
    struct workload *w = arg;
    char c;
    // Reads a byte from pipe 0 and answers on pipe 1 until the main side closes its end.
    while (read(w->fds[0], &c, 1) == 1)
        if (write(w->fds[3], &c, 1) != 1) break;
    return NULL;
}

static int child_exit(void *arg) {
    (void)arg;
    _exit(0);
}

static char *const true_argv[] = {"true", NULL};
static char *const empty_env[] = {NULL};

static int child_exec(void *arg) {
    int at = arg != NULL;
    if (at) syscall(SYS_execveat, AT_FDCWD, BPFGATE_WORKLOAD_BINARY, true_argv, empty_env, 0);
    else execve(BPFGATE_WORKLOAD_BINARY, true_argv, empty_env);
    _exit(127);
}

static int setup(struct workload *w) {
    switch (w->kind) {
    case BPFGATE_TRAFFIC_READ:
    case BPFGATE_TRAFFIC_WRITE:
    case BPFGATE_TRAFFIC_PREAD64:
    case BPFGATE_TRAFFIC_PWRITE64:
    case BPFGATE_TRAFFIC_LSEEK:
    case BPFGATE_TRAFFIC_FSYNC:
    case BPFGATE_TRAFFIC_FDATASYNC:
    case BPFGATE_TRAFFIC_NEWFSTAT:
    case BPFGATE_TRAFFIC_FSTATFS:
    case BPFGATE_TRAFFIC_DUP:
    case BPFGATE_TRAFFIC_DUP2:
    case BPFGATE_TRAFFIC_DUP3:
    case BPFGATE_TRAFFIC_OPEN:
    case BPFGATE_TRAFFIC_OPENAT2:
    case BPFGATE_TRAFFIC_NEWSTAT:
    case BPFGATE_TRAFFIC_NEWLSTAT:
    case BPFGATE_TRAFFIC_NEWFSTATAT:
    case BPFGATE_TRAFFIC_STATX:
    case BPFGATE_TRAFFIC_STATFS:
    case BPFGATE_TRAFFIC_UNLINK:
    case BPFGATE_TRAFFIC_UNLINKAT:
    case BPFGATE_TRAFFIC_RENAME:
    case BPFGATE_TRAFFIC_RENAMEAT:
    case BPFGATE_TRAFFIC_RENAMEAT2:
    case BPFGATE_TRAFFIC_MKDIR:
    case BPFGATE_TRAFFIC_MKDIRAT:
    case BPFGATE_TRAFFIC_SYNC_FILE_RANGE:
    case BPFGATE_TRAFFIC_SYNCFS:
    case BPFGATE_TRAFFIC_MSYNC: {
        int err = make_file(w, "file", 0);
        if (err) return err;
        if ((err = fill_file(w))) return err;
        if (w->kind == BPFGATE_TRAFFIC_DUP2 || w->kind == BPFGATE_TRAFFIC_DUP3) {
            // The descriptor dup2/dup3 replace every step: one of our own, never one someone else holds.
            w->fds[0] = dup(w->file);
            if (w->fds[0] < 0) return -errno;
        }
        if (w->kind == BPFGATE_TRAFFIC_MSYNC) {
            w->mapping = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, w->file, 0);
            if (w->mapping == MAP_FAILED) { w->mapping = NULL; return -errno; }
        }
        if (w->kind == BPFGATE_TRAFFIC_MKDIR || w->kind == BPFGATE_TRAFFIC_MKDIRAT) {
            snprintf(w->path2, sizeof w->path2, "%s.d", w->path);
        }
        return 0;
    }
    case BPFGATE_TRAFFIC_DIRECT_IO: {
        int err = make_file(w, "direct", O_DIRECT);
        if (err) return err == -EINVAL ? -EOPNOTSUPP : err;
        if (fallocate(w->file, 0, 0, (off_t)DIRECT_BLOCKS * FILE_BYTES) != 0 && errno != EOPNOTSUPP) return -errno;
        memset(w->buffer, 'd', FILE_BYTES);
        // Write every block once so that later writes overwrite allocated blocks (straight to the device).
        for (int i = 0; i < DIRECT_BLOCKS; i++)
        {
            ssize_t r = pwrite(w->file, w->buffer, FILE_BYTES, (off_t)i * FILE_BYTES);
            if (r != FILE_BYTES) return r < 0 ? -errno : -EIO;
        }
        return 0;
    }
    case BPFGATE_TRAFFIC_SOCKET:
    case BPFGATE_TRAFFIC_BIND:
        return own_network();
    case BPFGATE_TRAFFIC_CONNECT: {
        int err = own_network();
        return err ? err : loopback_pair(w, SOCK_STREAM);
    }
    case BPFGATE_TRAFFIC_SENDTO:
    case BPFGATE_TRAFFIC_SENDMSG: {
        int err = own_network();
        return err ? err : loopback_pair(w, SOCK_DGRAM);
    }
    case BPFGATE_TRAFFIC_TCP_STREAM: {
        int err = own_network();
        if (err || (err = loopback_pair(w, SOCK_STREAM))) return err;
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        if (c < 0) return -errno;
        w->fds[1] = c;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c, (struct sockaddr *)&w->addr, sizeof w->addr) != 0) return -errno;
        w->fds[2] = accept4(w->fds[0], NULL, NULL, SOCK_CLOEXEC);
        return w->fds[2] < 0 ? -errno : 0;
    }
    case BPFGATE_TRAFFIC_PINGPONG: {
        int a[2], b[2];
        if (pipe2(a, O_CLOEXEC) != 0) return -errno;
        w->fds[0] = a[0];
        w->fds[1] = a[1];
        if (pipe2(b, O_CLOEXEC) != 0) return -errno;
        w->fds[2] = b[0];
        w->fds[3] = b[1];
        int err = pthread_create(&w->partner, NULL, partner_loop, w);
        if (err) return -err;
        w->has_partner = 1;
        return 0;
    }
    case BPFGATE_TRAFFIC_EXECVE:
    case BPFGATE_TRAFFIC_EXECVEAT:
        if (access(BPFGATE_WORKLOAD_BINARY, X_OK) != 0) return -errno;
        /* fall through */
    case BPFGATE_TRAFFIC_CLONE:
        w->stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (w->stack == MAP_FAILED) { w->stack = NULL; return -errno; }
        return 0;
    case BPFGATE_TRAFFIC_OPENAT:
    case BPFGATE_TRAFFIC_GETPPID:
    case BPFGATE_TRAFFIC_GETPGID:
    case BPFGATE_TRAFFIC_UPROBE:
    case BPFGATE_TRAFFIC_UDP:
    case BPFGATE_TRAFFIC_TCP:
    case BPFGATE_TRAFFIC_KILL:
    case BPFGATE_TRAFFIC_TGKILL:
    case BPFGATE_TRAFFIC_TKILL:
    case BPFGATE_TRAFFIC_MMAP:
    case BPFGATE_TRAFFIC_NANOSLEEP:
    case BPFGATE_TRAFFIC_CLOCK_NANOSLEEP:
    case BPFGATE_TRAFFIC_PIPE2:
    case BPFGATE_TRAFFIC_GETPID:
    case BPFGATE_TRAFFIC_GETTID:
    case BPFGATE_TRAFFIC_GETUID:
    case BPFGATE_TRAFFIC_SCHED_YIELD:
    case BPFGATE_TRAFFIC_NEWUNAME:
    case BPFGATE_TRAFFIC_GETRANDOM:
    case BPFGATE_TRAFFIC_FUTEX:
    case BPFGATE_TRAFFIC_SYNC:
        return 0;
    case BPFGATE_TRAFFIC_ITERATE:
        return w->iter ? 0 : -EINVAL;
    default:
        return -EINVAL;
    }
}

static void teardown(struct workload *w) {
    if (w->has_partner) {
        close(w->fds[1]);  // the partner's read sees end of file and it returns
        w->fds[1] = -1;
        pthread_join(w->partner, NULL);
    }
    for (int i = 0; i < 4; i++)
        if (w->fds[i] >= 0) close(w->fds[i]);
    if (w->file >= 0) {
        close(w->file);
        unlink(w->path);
    }
    if (w->path2[0]) {
        unlink(w->path2);
        rmdir(w->path2);
    }
    if (w->stack) munmap(w->stack, CHILD_STACK);
    if (w->mapping) munmap(w->mapping, FILE_BYTES);
}

// ---- one event ---------------------------------------------------------------------------------

/// Waits for a child; 0 when it exited with status 0 (a failed exec exits 127: -ENOEXEC).
static int reap(pid_t pid) {
    if (pid < 0) return -errno;
    int status;
    while (waitpid(pid, &status, __WALL) < 0)
        if (errno != EINTR) return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ENOEXEC;
}

/// A call's outcome as a step's: 0, or -errno when it failed.
static long result(long r) { return r < 0 ? -errno : 0; }

/// Closes what a call opened; -errno when it failed.
static long closed(long fd) {
    if (fd < 0) return -errno;
    close((int)fd);
    return 0;
}

/// Creates the second file (empty) for a step that removes it again.
static long create_second(struct workload *w) {
    return closed(openat(AT_FDCWD, w->path2, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

/// A TCP connection to the listener, accepted (accept(2) or, with `four`, accept4(2)) and closed with a reset, so
/// that no TIME_WAIT sockets pile up over a long run.
static long tcp_round_trip(struct workload *w, int four) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) return -errno;
    struct linger now = {1, 0};
    setsockopt(c, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    if (connect(c, (struct sockaddr *)&w->addr, sizeof w->addr) < 0) {
        long e = -errno;
        close(c);
        return e;
    }
    int a = four ? accept4(w->fds[0], NULL, NULL, SOCK_CLOEXEC) : (int)syscall(SYS_accept, w->fds[0], NULL, NULL);
    long err = a < 0 ? -errno : 0;
    close(c);
    if (a >= 0) close(a);
    return err;
}

/// One event of the workload; <0 (-errno) when it cannot go on.
static long step(struct workload *w) {
    const uint64_t i = w->step++;
    char *buf = w->buffer;
    switch (w->kind) {
    case BPFGATE_TRAFFIC_GETPPID: syscall(SYS_getppid); return 0;
    case BPFGATE_TRAFFIC_GETPGID: syscall(SYS_getpgid, 0); return 0;
    case BPFGATE_TRAFFIC_OPENAT: {
        int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) close(fd);
        return 0;
    }
    case BPFGATE_TRAFFIC_UDP:
    case BPFGATE_TRAFFIC_TCP: w->sink += send(w->socket, "bpfgate-payload-bpfgate-payload-bpfgate-payload-bpfgate-payload", 64, 0) > 0; return 0;
    case BPFGATE_TRAFFIC_UPROBE: w->sink = bpfgate_uprobe_target(w->sink); return 0;
    case BPFGATE_TRAFFIC_READ:
        if (i % (FILE_BYTES / 64) == 0) lseek(w->file, 0, SEEK_SET);
        return result(read(w->file, buf, 64));
    case BPFGATE_TRAFFIC_WRITE:
        if (i % (FILE_BYTES / 64) == 0) lseek(w->file, 0, SEEK_SET);
        return result(write(w->file, buf, 64));
    case BPFGATE_TRAFFIC_PREAD64: return result(pread(w->file, buf, 64, 0));
    case BPFGATE_TRAFFIC_PWRITE64: return result(pwrite(w->file, buf, 64, 0));
    case BPFGATE_TRAFFIC_LSEEK: return result(lseek(w->file, (off_t)(i % FILE_BYTES), SEEK_SET));
    case BPFGATE_TRAFFIC_FSYNC:
        if (pwrite(w->file, buf, 64, 0) < 0) return -errno;
        return result(fsync(w->file));
    case BPFGATE_TRAFFIC_FDATASYNC:
        if (pwrite(w->file, buf, 64, 0) < 0) return -errno;
        return result(fdatasync(w->file));
    case BPFGATE_TRAFFIC_SYNC_FILE_RANGE:
        if (pwrite(w->file, buf, 64, 0) < 0) return -errno;
        return result(sync_file_range(w->file, 0, 64, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
    case BPFGATE_TRAFFIC_MSYNC:
        w->mapping[i % FILE_BYTES] ^= 1;
        return result(msync(w->mapping, FILE_BYTES, MS_SYNC));
    case BPFGATE_TRAFFIC_DIRECT_IO:
        return result(pwrite(w->file, buf, FILE_BYTES, (off_t)(i % DIRECT_BLOCKS) * FILE_BYTES));
    case BPFGATE_TRAFFIC_NEWFSTAT: {
        struct stat st;
        return result(syscall(SYS_fstat, w->file, &st));
    }
    case BPFGATE_TRAFFIC_FSTATFS: {
        struct statfs st;
        return result(fstatfs(w->file, &st));
    }
    case BPFGATE_TRAFFIC_STATFS: {
        struct statfs st;
        return result(statfs(w->dir, &st));
    }
    case BPFGATE_TRAFFIC_NEWFSTATAT: {
        struct stat st;
        return result(syscall(SYS_newfstatat, AT_FDCWD, w->path, &st, 0));
    }
    case BPFGATE_TRAFFIC_STATX: {
        struct statx st;
        return result(syscall(SYS_statx, AT_FDCWD, w->path, 0, STATX_BASIC_STATS, &st));
    }
#ifdef SYS_stat
    case BPFGATE_TRAFFIC_NEWSTAT: {
        struct stat st;
        return result(syscall(SYS_stat, w->path, &st));
    }
    case BPFGATE_TRAFFIC_NEWLSTAT: {
        struct stat st;
        return result(syscall(SYS_lstat, w->path, &st));
    }
    case BPFGATE_TRAFFIC_OPEN: {
        return closed(syscall(SYS_open, w->path, O_RDONLY | O_CLOEXEC));
    }
    case BPFGATE_TRAFFIC_UNLINK: {
        long err = create_second(w);
        return err ? err : result(syscall(SYS_unlink, w->path2));
    }
    case BPFGATE_TRAFFIC_RENAME:
        return result(syscall(SYS_rename, i % 2 ? w->path2 : w->path, i % 2 ? w->path : w->path2));
    case BPFGATE_TRAFFIC_MKDIR:
        if (syscall(SYS_mkdir, w->path2, 0700) < 0) return -errno;
        return result(syscall(SYS_rmdir, w->path2));
    case BPFGATE_TRAFFIC_DUP2:
        return result(syscall(SYS_dup2, w->file, w->fds[0]));
#endif
    case BPFGATE_TRAFFIC_OPENAT2: {
        struct open_how how = {.flags = O_RDONLY | O_CLOEXEC};
        return closed(syscall(SYS_openat2, AT_FDCWD, w->path, &how, sizeof how));
    }
    case BPFGATE_TRAFFIC_UNLINKAT: {
        long err = create_second(w);
        return err ? err : result(unlinkat(AT_FDCWD, w->path2, 0));
    }
    case BPFGATE_TRAFFIC_RENAMEAT:
        return result(syscall(SYS_renameat, AT_FDCWD, i % 2 ? w->path2 : w->path, AT_FDCWD, i % 2 ? w->path : w->path2));
    case BPFGATE_TRAFFIC_RENAMEAT2:
        return result(syscall(SYS_renameat2, AT_FDCWD, i % 2 ? w->path2 : w->path, AT_FDCWD, i % 2 ? w->path : w->path2, 0));
    case BPFGATE_TRAFFIC_MKDIRAT:
        if (mkdirat(AT_FDCWD, w->path2, 0700) < 0) return -errno;
        return result(unlinkat(AT_FDCWD, w->path2, AT_REMOVEDIR));
    case BPFGATE_TRAFFIC_DUP: {
        return closed(dup(w->file));
    }
    case BPFGATE_TRAFFIC_DUP3:
        return result(dup3(w->file, w->fds[0], O_CLOEXEC));
    case BPFGATE_TRAFFIC_KILL: return result(kill(getpid(), 0));
    case BPFGATE_TRAFFIC_TGKILL: return result(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0));
    case BPFGATE_TRAFFIC_TKILL: return result(syscall(SYS_tkill, syscall(SYS_gettid), 0));
    case BPFGATE_TRAFFIC_CLONE:
        // CLONE_VM | CLONE_VFORK: the child shares our memory (no page tables to copy) on a stack of its own
        // and exits at once; we resume when it has.
        // CLONE_FILES: the child shares our descriptor table instead of holding copies of bpfgate's descriptors
        // (a BPF link held by a child stays attached after bpfgate closes it).
        return reap(clone(child_exit, w->stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, NULL));
    case BPFGATE_TRAFFIC_EXECVE:
    case BPFGATE_TRAFFIC_EXECVEAT:
        return reap(clone(child_exec, w->stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                          w->kind == BPFGATE_TRAFFIC_EXECVEAT ? (void *)1 : NULL));
    case BPFGATE_TRAFFIC_SOCKET: {
        return closed(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    }
    case BPFGATE_TRAFFIC_BIND: {
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) return -errno;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int err = bind(s, (struct sockaddr *)&a, sizeof a) < 0 ? -errno : 0;
        close(s);
        return err;
    }
    case BPFGATE_TRAFFIC_CONNECT: {
        // Two connections a step, one taken by accept(2) and one by accept4(2): tools trace either.
        for (int k = 0; k < 2; k++) {
            long err = tcp_round_trip(w, k);
            if (err) return err;
        }
        return 0;
    }
    case BPFGATE_TRAFFIC_SENDTO:
        if (sendto(w->fds[1], buf, 64, 0, (struct sockaddr *)&w->addr, sizeof w->addr) < 0) return -errno;
        return result(recvfrom(w->fds[0], buf, 64, 0, NULL, NULL));
    case BPFGATE_TRAFFIC_SENDMSG: {
        struct iovec v = {.iov_base = buf, .iov_len = 64};
        struct msghdr m = {.msg_name = &w->addr, .msg_namelen = sizeof w->addr, .msg_iov = &v, .msg_iovlen = 1};
        if (sendmsg(w->fds[1], &m, 0) < 0) return -errno;
        struct msghdr r = {.msg_iov = &v, .msg_iovlen = 1};
        return result(recvmsg(w->fds[0], &r, 0));
    }
    case BPFGATE_TRAFFIC_TCP_STREAM:
    {
        ssize_t r = send(w->fds[1], buf, 64, 0);
        if (r != 64) return r < 0 ? -errno : -EIO;
        r = recv(w->fds[2], buf, 64, 0);
        return r > 0 ? 0 : r < 0 ? -errno : -EPIPE;
    }
    case BPFGATE_TRAFFIC_SYNC: sync(); return 0;
    case BPFGATE_TRAFFIC_SYNCFS: return result(syncfs(w->file));
    case BPFGATE_TRAFFIC_ITERATE: {
        long r = bpfgate_iter_read_once(w->iter);
        if (r == 1) {  // no iterator attached at the moment (between windows): not an event
            struct timespec t = {0, 20000};
            nanosleep(&t, NULL);
        }
        return r;
    }
    case BPFGATE_TRAFFIC_FUTEX:
        return result(syscall(SYS_futex, &w->futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    case BPFGATE_TRAFFIC_MMAP: {
        volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return -errno;
        p[0] = 1;  // a page fault
        return result(munmap((void *)p, 4096));
    }
    case BPFGATE_TRAFFIC_NANOSLEEP: {
        // glibc's nanosleep() is clock_nanosleep(2): the syscall of that name, raw.
        struct timespec t = {0, 1000};
        return syscall(SYS_nanosleep, &t, NULL) < 0 && errno != EINTR ? -errno : 0;
    }
    case BPFGATE_TRAFFIC_CLOCK_NANOSLEEP: {
        struct timespec t = {0, 1000};
        int err = clock_nanosleep(CLOCK_MONOTONIC, 0, &t, NULL);
        return err && err != EINTR ? -err : 0;
    }
    case BPFGATE_TRAFFIC_PINGPONG: {
        char c = 'p';
        ssize_t r = write(w->fds[1], &c, 1);
        if (r != 1) return r < 0 ? -errno : -EPIPE;
        r = read(w->fds[2], &c, 1);
        return r == 1 ? 0 : r < 0 ? -errno : -EPIPE;
    }
    case BPFGATE_TRAFFIC_PIPE2: {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) return -errno;
        close(p[0]);
        close(p[1]);
        return 0;
    }
    case BPFGATE_TRAFFIC_GETPID: syscall(SYS_getpid); return 0;
    case BPFGATE_TRAFFIC_GETTID: syscall(SYS_gettid); return 0;
    case BPFGATE_TRAFFIC_GETUID: syscall(SYS_getuid); return 0;
    case BPFGATE_TRAFFIC_SCHED_YIELD: syscall(SYS_sched_yield); return 0;
    case BPFGATE_TRAFFIC_NEWUNAME: {
        struct utsname u;
        return result(uname(&u));
    }
    case BPFGATE_TRAFFIC_GETRANDOM: return syscall(SYS_getrandom, buf, 16, 0x01 /* GRND_NONBLOCK */) < 0 && errno != EAGAIN ? -errno : 0;
    default: return -ENOSYS;
    }
}

// ---- privileged syscalls, jailed ------------------------------------------------------------------

static const char nowhere[] = "/nonexistent/bpfgate";

/// One privileged syscall with arguments that are invalid as well (a third line of defence: the jail's
/// dropped capabilities and private namespaces come first). It fails; its tracepoints fire all the same.
static void jailed_call(int kind) {
    switch (kind) {
    case BPFGATE_TRAFFIC_MOUNT: syscall(SYS_mount, "none", nowhere, "bpfgate-none", 0, NULL); break;
    case BPFGATE_TRAFFIC_UMOUNT: syscall(SYS_umount2, nowhere, 0); break;
    case BPFGATE_TRAFFIC_FSOPEN: {
        long fd = syscall(SYS_fsopen, "bpfgate-none", 0);
        if (fd >= 0) close((int)fd);
        break;
    }
    case BPFGATE_TRAFFIC_FSCONFIG: syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0); break;
    case BPFGATE_TRAFFIC_FSMOUNT: syscall(SYS_fsmount, -1, 0, 0); break;
    case BPFGATE_TRAFFIC_MOVE_MOUNT: syscall(SYS_move_mount, -1, "", -1, "", 0); break;
    case BPFGATE_TRAFFIC_PIVOT_ROOT: syscall(SYS_pivot_root, nowhere, nowhere); break;
    case BPFGATE_TRAFFIC_CHROOT: syscall(SYS_chroot, nowhere); break;
    case BPFGATE_TRAFFIC_REBOOT: syscall(SYS_reboot, 0, 0, 0, NULL); break;  // no valid magic
    case BPFGATE_TRAFFIC_INIT_MODULE: syscall(SYS_init_module, NULL, 0, ""); break;
    case BPFGATE_TRAFFIC_FINIT_MODULE: syscall(SYS_finit_module, -1, "", 0); break;
    case BPFGATE_TRAFFIC_DELETE_MODULE: syscall(SYS_delete_module, "bpfgate_none", O_NONBLOCK); break;
    case BPFGATE_TRAFFIC_SWAPON: syscall(SYS_swapon, nowhere, 0); break;
    case BPFGATE_TRAFFIC_SWAPOFF: syscall(SYS_swapoff, nowhere); break;
    case BPFGATE_TRAFFIC_SETTIMEOFDAY: {
        struct timeval tv = {0, 2000000};  // tv_usec out of range: EINVAL before any change
        syscall(SYS_settimeofday, &tv, NULL);
        break;
    }
    case BPFGATE_TRAFFIC_CLOCK_SETTIME: {
        struct timespec ts = {0, 2000000000};  // tv_nsec out of range
        syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
        break;
    }
    case BPFGATE_TRAFFIC_SETHOSTNAME: syscall(SYS_sethostname, "x", -1); break;  // negative length: EINVAL
    case BPFGATE_TRAFFIC_ACCT: syscall(SYS_acct, nowhere); break;
    }
}

struct jail_shared {
    int stop;
    int error;
    uint64_t count;
};

/// The jail: private user and mount namespaces, every capability dropped (bounding, ambient, effective,
/// permitted, inheritable), no_new_privs, and a check that nothing is left before the first call.
static int enter_jail(pid_t parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -errno;
    if (getppid() != parent) return -ESRCH;
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return -errno;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -errno;
    for (int cap = 0; cap < 64; cap++) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) return -errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    if (syscall(SYS_capget, &header, data) != 0) return -errno;
    for (int i = 0; i < 2; i++)
        if (data[i].effective || data[i].permitted || data[i].inheritable) return -EPERM;
    return 0;
}

static long jail_run(int kind, const int *stop, uint64_t *count, uint64_t deadline_ns, uint64_t max_events) {
    struct jail_shared *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return -errno;
    memset(shared, 0, sizeof *shared);
    pid_t parent = getpid();
    // A raw fork: no atfork handlers of the runtime run in the child, which makes only raw syscalls.
    long pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
    if (pid < 0) {
        long err = -errno;
        munmap(shared, sizeof *shared);
        return err;
    }
    if (pid == 0) {
        // First of all, let go of every descriptor of bpfgate's (BPF links and programs among them): a link this child
        // held would stay attached after bpfgate closed it. The child needs none; it reports through `shared`.
        syscall(SYS_close_range, 3, ~0U, 0);
        int err = enter_jail(parent);
        if (err) {
            __atomic_store_n(&shared->error, -err, __ATOMIC_RELEASE);
            syscall(SYS_exit_group, 1);
        }
        uint64_t n = 0;
        while (!__atomic_load_n(&shared->stop, __ATOMIC_ACQUIRE) && n < max_events && bpfgate_monotonic_ns() < deadline_ns) {
            for (int i = 0; i < STEPS_PER_CHECK; i++) jailed_call(kind);
            n += STEPS_PER_CHECK;
            __atomic_store_n(&shared->count, n, __ATOMIC_RELEASE);
        }
        syscall(SYS_exit_group, 0);
    }
    // The parent relays the child's count until told to stop, then stops and reaps the child.
    int status = 0, exited = 0;
    while (!exited) {
        __atomic_store_n(count, __atomic_load_n(&shared->count, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
        if (__atomic_load_n(stop, __ATOMIC_ACQUIRE) || bpfgate_monotonic_ns() >= deadline_ns) break;
        if (waitpid((pid_t)pid, &status, WNOHANG) == pid) { exited = 1; break; }
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
    __atomic_store_n(&shared->stop, 1, __ATOMIC_RELEASE);
    if (!exited)
        while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR) {}
    int killed = WIFSIGNALED(status);
    uint64_t n = __atomic_load_n(&shared->count, __ATOMIC_ACQUIRE);
    __atomic_store_n(count, n, __ATOMIC_RELEASE);
    int err = __atomic_load_n(&shared->error, __ATOMIC_ACQUIRE);
    munmap(shared, sizeof *shared);
    return err ? -err : killed ? -ECANCELED : (long)n;
}

int bpfgate_traffic_is_jailed(int kind) { return kind >= BPFGATE_TRAFFIC_FIRST_JAILED && kind < BPFGATE_TRAFFIC_KINDS; }

// ---- the loop ------------------------------------------------------------------------------------

/// Steps between two looks at the stop flag, the clock and the count: 64 for steps of a syscall or two (the look
/// costs little beside them), 1 for steps that block or wait for a device or a child (tens of microseconds to
/// milliseconds: a window of 40 ms must see the count move, and stop must not wait long).
static int steps_per_check(int kind) {
    switch (kind) {
    case BPFGATE_TRAFFIC_FSYNC:
    case BPFGATE_TRAFFIC_FDATASYNC:
    case BPFGATE_TRAFFIC_SYNC_FILE_RANGE:
    case BPFGATE_TRAFFIC_MSYNC:
    case BPFGATE_TRAFFIC_DIRECT_IO:
    case BPFGATE_TRAFFIC_CLONE:
    case BPFGATE_TRAFFIC_EXECVE:
    case BPFGATE_TRAFFIC_EXECVEAT:
    case BPFGATE_TRAFFIC_PINGPONG:
    case BPFGATE_TRAFFIC_NANOSLEEP:
    case BPFGATE_TRAFFIC_CLOCK_NANOSLEEP:
    case BPFGATE_TRAFFIC_CONNECT:
    case BPFGATE_TRAFFIC_TCP_STREAM:
    case BPFGATE_TRAFFIC_SYNC:
    case BPFGATE_TRAFFIC_SYNCFS:
    case BPFGATE_TRAFFIC_ITERATE:
        return 1;
    default:
        return STEPS_PER_CHECK;
    }
}

long bpfgate_traffic_run(int kind, int socket_fd, struct bpfgate_iter_slot *iter, const char *dir, const int *stop,
                         uint64_t *count, uint64_t deadline_ns, uint64_t max_events) {
    if (bpfgate_traffic_is_jailed(kind)) return jail_run(kind, stop, count, deadline_ns, max_events);
    struct workload w;
    memset(&w, 0, sizeof w);
    w.kind = kind;
    w.dir = dir;
    w.socket = socket_fd;
    w.iter = iter;
    w.file = -1;
    for (int i = 0; i < 4; i++) w.fds[i] = -1;
    if (posix_memalign((void **)&w.buffer, FILE_BYTES, FILE_BYTES) != 0) return -ENOMEM;
    memset(w.buffer, 'b', FILE_BYTES);
    long result = setup(&w);
    const int batch = steps_per_check(kind);
    uint64_t n = 0;
    while (result == 0 && !__atomic_load_n(stop, __ATOMIC_ACQUIRE) && n < max_events && bpfgate_monotonic_ns() < deadline_ns) {
        uint64_t made = 0;
        for (int i = 0; i < batch; i++) {
            long r = step(&w);
            if (r < 0) { result = r; break; }
            made += r == 0;  // 1: the step found nothing to do (iterate, no iterator attached)
        }
        if (result) break;
        n += made;
        __atomic_store_n(count, n, __ATOMIC_RELEASE);
    }
    teardown(&w);
    free(w.buffer);
    __asm__ volatile("" : : "r"(w.sink));
    return result < 0 ? result : (long)n;
}

// ---- a paced workload ---------------------------------------------------------------------------

long bpfgate_paced_getppid(uint64_t rate, uint64_t duration_ns, const int *stop, uint64_t *cpu_ns) {
    if (rate == 0) return -EINVAL;
    const uint64_t slot_ns = 1000000;
    // Sleep to the slot, not 50 us past it (the default timer slack); restored after.
    const int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
    struct timespec c0, c1, wake;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    const uint64_t start = bpfgate_monotonic_ns();
    uint64_t n = 0;
    for (uint64_t slot = 1; slot * slot_ns <= duration_ns && !__atomic_load_n(stop, __ATOMIC_RELAXED); slot++) {
        const uint64_t due = (uint64_t)((__uint128_t)rate * slot * slot_ns / 1000000000u);
        while (n < due) {
            syscall(SYS_getppid);
            n++;
        }
        const uint64_t at = start + slot * slot_ns;
        wake.tv_sec = (time_t)(at / 1000000000u);
        wake.tv_nsec = (long)(at % 1000000000u);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL) == EINTR) {}
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    if (slack > 0) prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
    *cpu_ns = (uint64_t)(c1.tv_sec - c0.tv_sec) * 1000000000u + (uint64_t)c1.tv_nsec - (uint64_t)c0.tv_nsec;
    return (long)n;
}

// ---- iterators ----------------------------------------------------------------------------------

struct bpfgate_iter_slot {
    pthread_mutex_t lock;
    int link_fd;
};

struct bpfgate_iter_slot *bpfgate_iter_slot_new(void) {
    struct bpfgate_iter_slot *slot = calloc(1, sizeof *slot);
    if (!slot) return NULL;
    pthread_mutex_init(&slot->lock, NULL);
    slot->link_fd = -1;
    return slot;
}

void bpfgate_iter_slot_free(struct bpfgate_iter_slot *slot) {
    if (!slot) return;
    pthread_mutex_destroy(&slot->lock);
    free(slot);
}

void bpfgate_iter_slot_set(struct bpfgate_iter_slot *slot, int link_fd) {
    pthread_mutex_lock(&slot->lock);
    slot->link_fd = link_fd;
    pthread_mutex_unlock(&slot->lock);
}

long bpfgate_iter_read_once(struct bpfgate_iter_slot *slot) {
    pthread_mutex_lock(&slot->lock);
    long fd = -1;
    int err = 0;
    if (slot->link_fd >= 0) {
        union bpf_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.iter_create.link_fd = (uint32_t)slot->link_fd;
        fd = syscall(SYS_bpf, BPF_ITER_CREATE, &attr, sizeof attr);
        if (fd < 0) err = errno;
    }
    pthread_mutex_unlock(&slot->lock);
    if (err) return -err;
    if (fd < 0) return 1;
    char buf[16384];
    long r;
    while ((r = read((int)fd, buf, sizeof buf)) > 0) {}
    if (r < 0) err = errno;
    close((int)fd);
    return err ? -err : 0;
}
