/// The workloads bpfgate makes events with: the one table of traffic generators (the C loops are
/// `bpfgate_traffic_run` in CHarness/workloads.c, driven by `TrafficGenerator` in Harness). The raw value is
/// the generator's name in declarations (`"traffic": {"generator": "write"}`); a workload named after a
/// syscall makes that syscall (the name of its `syscalls/sys_enter_<name>` tracepoint). The declaration order is
/// the order of preference when several workloads fire an event.
public enum TrafficKind: String, CaseIterable, Codable, Sendable {
    /// `getppid()` in a loop (the syscall tracepoint programs' event).
    case getppid
    /// `getpgid(0)` in a loop.
    case getpgid
    /// `openat("/dev/null")` + `close` in a loop (kprobe/fentry targets).
    case openat
    /// Calls of `bpfgate_uprobe_target`, a function of bpfgate's own binary (uprobe targets).
    case uprobe
    /// 64-byte UDP datagrams over a veth pair between two network namespaces (`PacketPath`).
    case udp
    /// 64-byte sends on a TCP connection over the same veth pair (TCP_NODELAY; a thread drains the far end).
    case tcp
    /// UDP over the veth pair with a helper XDP program on `bg-rx` (bpf/workloads.bpf.c) that makes XDP's own
    /// events: every packet aborted (xdp_exception), redirected to no device (xdp_redirect_err), redirected out
    /// to the peer, through a devmap (xdp_devmap_xmit) or a cpumap (xdp_cpumap_*), each also xdp_redirect (since 6.16
    /// map redirects fire it too; xdp_redirect_map is gone).
    case xdpAborted = "xdp-aborted"
    case xdpRedirectError = "xdp-redirect-err"
    case xdpRedirect = "xdp-redirect"
    case xdpDevmap = "xdp-devmap"
    case xdpCpumap = "xdp-cpumap"
    // Files of bpfgate's own (a 4 KB file in a private temporary directory).
    case read, write, pread64, pwrite64, lseek, fsync, fdatasync
    /// 64 bytes written, then written back and waited for: `sync_file_range`; a byte of a shared mapping, then `msync`.
    case syncFileRange = "sync_file_range"
    case msync
    case newfstat, fstatfs, statfs, newstat, newlstat, newfstatat, statx
    case open, openat2, unlink, unlinkat, rename, renameat, renameat2, mkdir, mkdirat
    case dup, dup2, dup3
    /// `syncfs` on the workload file's filesystem.
    case syncfs
    /// `sync()`: writes back every filesystem's dirty data, as the kernel does within seconds anyway; run only for
    /// sync's own events (never tried by discovery).
    case sync
    /// O_DIRECT writes of 4 KB over a 256 KB file on a block device: block I/O.
    case directIO = "direct-io"
    // Processes, signals, memory, time.
    case getpid, gettid, getuid, newuname, getrandom
    case schedYield = "sched_yield"
    case kill, tgkill, tkill
    /// A child that exits at once (clone with CLONE_VM | CLONE_VFORK), reaped: fork and exit events.
    case clone
    /// A child that runs /bin/true: exec events, and clone's.
    case execve, execveat
    /// A byte back and forth over two pipes between two threads: context switches and wakeups.
    case pingpong
    case pipe2
    /// FUTEX_WAKE on a futex word of bpfgate's own (no waiter).
    case futex
    /// mmap of 4 KB, touched (a page fault), munmap.
    case mmap
    case nanosleep
    case clockNanosleep = "clock_nanosleep"
    // Sockets on lo of a network namespace of the generator thread's own.
    /// UDP sendto + recvfrom over lo: the packet's path through the stack, softirqs.
    case sendto
    case sendmsg
    /// 64 bytes over an established TCP connection on lo, received: the TCP receive path.
    case tcpStream = "tcp-stream"
    /// Two TCP connections over lo, one taken by accept and one by accept4, closed with a reset: socket state changes.
    case connect
    case socket, bind
    // Privileged syscalls, run in a jailed child (no capability, private user and mount namespaces) with
    // invalid arguments: they fail and change nothing, while their tracepoints fire.
    case mount, umount, fsopen, fsconfig, fsmount
    case moveMount = "move_mount"
    case pivotRoot = "pivot_root"
    case chroot, reboot
    case initModule = "init_module"
    case finitModule = "finit_module"
    case deleteModule = "delete_module"
    case swapon, swapoff, settimeofday
    case clockSettime = "clock_settime"
    case sethostname, acct
    /// The BPF iterator program attached at the moment, read to its end again and again (BPF_ITER_CREATE on its
    /// link, read until 0): each pass runs the program once per element (task, file, map, socket, ...) and once at
    /// the end. The workload of `iter` programs; without one attached there is no event.
    case iterate

    /// Packets over bpfgate's veth pair.
    public var isPacket: Bool { facts.needs.contains(.packetPath) }

    /// What a workload needs besides the generator thread.
    public enum Need: String, Sendable {
        /// A private temporary directory (removed on every exit path).
        case directory
        /// The same, on a filesystem backed by a block device (O_DIRECT reaches the device).
        case blockDevice
        /// bpfgate's veth pair (`PacketPath`).
        case packetPath
        /// The thread enters a network namespace of its own (gone with the thread).
        case ownNetwork
        /// /bin/true, run by the child.
        case binary
        /// A jailed child process makes the events.
        case jail
        /// Acts on the whole host (sync writes back every filesystem): run for its own events only, never tried.
        case hostWide
        /// The link of the iterator being measured (`IteratorSlot`): the program is its own workload.
        case iterator
    }

    /// One row of the table.
    public struct Facts: Sendable {
        /// Syscalls every step makes (their `syscalls/sys_enter_<name>` and `sys_exit_<name>` tracepoints fire).
        public let syscalls: [String]
        /// Other tracepoints the steps fire, as `category/event`.
        public let events: [String]
        /// Kernel functions the steps call besides the syscalls' entry points (kprobe, fentry targets).
        public let functions: [String]
        public let needs: [Need]
        /// Events come from other processes than bpfgate's (its children): references count every process.
        public let otherProcesses: Bool

        init(_ syscalls: [String], events: [String] = [], functions: [String] = [], needs: [Need] = [], otherProcesses: Bool = false) {
            self.syscalls = syscalls
            self.events = events
            self.functions = functions
            self.needs = needs
            self.otherProcesses = otherProcesses
        }
    }

    static let processEvents = ["sched/sched_process_fork", "sched/sched_process_exit", "sched/sched_process_free",
                                "sched/sched_process_wait", "sched/sched_wakeup_new", "task/task_newtask"]
    static let loopbackEvents = ["net/net_dev_queue", "net/net_dev_start_xmit", "net/net_dev_xmit", "net/netif_rx",
                                 "net/netif_receive_skb", "irq/softirq_raise", "irq/softirq_entry", "irq/softirq_exit"]

    public var facts: Facts {
        switch self {
        case .getppid: return Facts(["getppid"])
        case .getpgid: return Facts(["getpgid"])
        case .openat: return Facts(["openat", "close"], functions: ["do_sys_openat2", "do_sys_open", "do_filp_open"])
        case .uprobe: return Facts([])
        case .udp, .tcp: return Facts([], needs: [.packetPath])
        case .xdpAborted: return Facts([], events: ["xdp/xdp_exception"], needs: [.packetPath])
        case .xdpRedirectError: return Facts([], events: ["xdp/xdp_redirect_err"], needs: [.packetPath])
        case .xdpRedirect: return Facts([], events: ["xdp/xdp_redirect"], functions: ["xdp_do_redirect"], needs: [.packetPath])
        case .xdpDevmap:
            return Facts([], events: ["xdp/xdp_redirect", "xdp/xdp_devmap_xmit"], functions: ["dev_map_enqueue"], needs: [.packetPath])
        case .xdpCpumap:
            return Facts([], events: ["xdp/xdp_redirect", "xdp/xdp_cpumap_enqueue", "xdp/xdp_cpumap_kthread"],
                         functions: ["cpu_map_enqueue"], needs: [.packetPath])
        case .read: return Facts(["read"], functions: ["vfs_read", "ksys_read"], needs: [.directory])
        case .write: return Facts(["write"], functions: ["vfs_write", "ksys_write"], needs: [.directory])
        case .pread64: return Facts(["pread64"], functions: ["vfs_read"], needs: [.directory])
        case .pwrite64: return Facts(["pwrite64"], functions: ["vfs_write"], needs: [.directory])
        case .lseek: return Facts(["lseek"], needs: [.directory])
        case .fsync:
            return Facts(["fsync", "pwrite64"], events: ["writeback/writeback_dirty_folio"], functions: ["vfs_fsync_range"], needs: [.directory])
        case .fdatasync:
            return Facts(["fdatasync", "pwrite64"], events: ["writeback/writeback_dirty_folio"], functions: ["vfs_fsync_range"], needs: [.directory])
        case .syncFileRange:
            return Facts(["sync_file_range", "pwrite64"], events: ["writeback/writeback_dirty_folio"], functions: ["ksys_sync_file_range"],
                         needs: [.directory])
        case .msync: return Facts(["msync"], functions: ["vfs_fsync_range"], needs: [.directory])
        case .newfstat: return Facts(["newfstat"], needs: [.directory])
        case .fstatfs: return Facts(["fstatfs"], needs: [.directory])
        case .statfs: return Facts(["statfs"], needs: [.directory])
        case .newstat: return Facts(["newstat"], functions: ["vfs_statx"], needs: [.directory])
        case .newlstat: return Facts(["newlstat"], functions: ["vfs_statx"], needs: [.directory])
        case .newfstatat: return Facts(["newfstatat"], functions: ["vfs_statx"], needs: [.directory])
        case .statx: return Facts(["statx"], functions: ["vfs_statx"], needs: [.directory])
        case .open: return Facts(["open", "close"], functions: ["do_sys_openat2", "do_filp_open"], needs: [.directory])
        case .openat2: return Facts(["openat2", "close"], functions: ["do_sys_openat2", "do_filp_open"], needs: [.directory])
        case .unlink: return Facts(["unlink", "openat", "close"], functions: ["do_unlinkat", "vfs_unlink"], needs: [.directory])
        case .unlinkat: return Facts(["unlinkat", "openat", "close"], functions: ["do_unlinkat", "vfs_unlink"], needs: [.directory])
        case .rename: return Facts(["rename"], functions: ["do_renameat2", "vfs_rename"], needs: [.directory])
        case .renameat: return Facts(["renameat"], functions: ["do_renameat2", "vfs_rename"], needs: [.directory])
        case .renameat2: return Facts(["renameat2"], functions: ["do_renameat2", "vfs_rename"], needs: [.directory])
        case .mkdir: return Facts(["mkdir", "rmdir"], functions: ["do_mkdirat", "vfs_mkdir", "do_rmdir", "vfs_rmdir"], needs: [.directory])
        case .mkdirat: return Facts(["mkdirat", "unlinkat"], functions: ["do_mkdirat", "vfs_mkdir", "do_rmdir", "vfs_rmdir"], needs: [.directory])
        case .dup: return Facts(["dup", "close"], needs: [.directory])
        case .dup2: return Facts(["dup2"], needs: [.directory])
        case .dup3: return Facts(["dup3"], needs: [.directory])
        case .syncfs: return Facts(["syncfs"], functions: ["sync_filesystem"], needs: [.directory])
        case .sync: return Facts(["sync"], functions: ["ksys_sync"], needs: [.hostWide])
        case .directIO:
            return Facts(["pwrite64"], events: ["block/block_bio_queue", "block/block_rq_issue", "block/block_rq_complete",
                                                "block/block_io_start", "block/block_io_done"],
                         functions: ["blk_mq_start_request", "blk_mq_end_request"], needs: [.blockDevice])
        case .getpid: return Facts(["getpid"])
        case .gettid: return Facts(["gettid"])
        case .getuid: return Facts(["getuid"])
        case .newuname: return Facts(["newuname"])
        case .getrandom: return Facts(["getrandom"])
        case .schedYield: return Facts(["sched_yield"])
        case .kill: return Facts(["kill"])
        case .tgkill: return Facts(["tgkill"])
        case .tkill: return Facts(["tkill"])
        case .clone:
            return Facts(["clone", "exit_group", "wait4"], events: Self.processEvents, functions: ["kernel_clone", "do_exit", "wake_up_new_task"],
                         otherProcesses: true)
        case .execve:
            return Facts(["execve", "clone", "exit_group", "wait4"], events: ["sched/sched_process_exec", "task/task_rename"] + Self.processEvents,
                         functions: ["do_execveat_common", "bprm_execve"], needs: [.binary], otherProcesses: true)
        case .execveat:
            return Facts(["execveat", "clone", "exit_group", "wait4"], events: ["sched/sched_process_exec", "task/task_rename"] + Self.processEvents,
                         functions: ["do_execveat_common", "bprm_execve"], needs: [.binary], otherProcesses: true)
        case .pingpong:
            return Facts(["read", "write"], events: ["sched/sched_switch", "sched/sched_wakeup", "sched/sched_waking"],
                         functions: ["pipe_read", "pipe_write", "try_to_wake_up"])
        case .pipe2: return Facts(["pipe2", "close"])
        case .mmap:
            return Facts(["mmap", "munmap"], events: ["exceptions/page_fault_user", "kmem/mm_page_alloc"], functions: ["do_mmap", "handle_mm_fault"])
        case .futex: return Facts(["futex"], functions: ["do_futex", "futex_wake"])
        case .nanosleep:
            return Facts(["nanosleep"], events: ["timer/hrtimer_start", "timer/hrtimer_expire_entry", "timer/hrtimer_expire_exit"],
                         functions: ["hrtimer_nanosleep"])
        case .clockNanosleep: return Facts(["clock_nanosleep"], functions: ["hrtimer_nanosleep"])
        case .sendto: return Facts(["sendto", "recvfrom"], events: Self.loopbackEvents, functions: ["udp_sendmsg", "udp_recvmsg"], needs: [.ownNetwork])
        case .sendmsg: return Facts(["sendmsg", "recvmsg"], events: Self.loopbackEvents, functions: ["udp_sendmsg", "udp_recvmsg"], needs: [.ownNetwork])
        case .tcpStream:
            return Facts(["sendto", "recvfrom"], events: ["tcp/tcp_probe", "tcp/tcp_rcv_space_adjust"],
                         functions: ["tcp_sendmsg", "tcp_recvmsg", "tcp_rcv_established"], needs: [.ownNetwork])
        case .connect:
            return Facts(["socket", "connect", "accept", "accept4", "close", "setsockopt"], events: ["sock/inet_sock_set_state", "tcp/tcp_destroy_sock"],
                         functions: ["tcp_v4_connect", "inet_csk_accept", "tcp_set_state", "tcp_close"], needs: [.ownNetwork])
        case .socket: return Facts(["socket", "close"], functions: ["__sys_socket"], needs: [.ownNetwork])
        case .bind: return Facts(["bind", "socket", "close"], functions: ["__sys_bind", "inet_bind"], needs: [.ownNetwork])
        case .mount, .umount, .fsopen, .fsconfig, .fsmount, .moveMount, .pivotRoot, .chroot, .reboot, .initModule, .finitModule,
             .deleteModule, .swapon, .swapoff, .settimeofday, .clockSettime, .sethostname, .acct:
            return Facts([rawValue], needs: [.jail], otherProcesses: true)
        case .iterate: return Facts([], needs: [.iterator])
        }
    }

    /// The entry points of a syscall (`__x64_sys_write`, ...): kprobe and fentry targets of any syscall workload.
    static func entryPoints(of syscall: String) -> [String] {
        ["__x64_sys_", "__arm64_sys_", "__se_sys_", "__do_sys_", "ksys_"].map { $0 + syscall }
    }

    /// The workload that makes syscall `name` (its tracepoint name: `newfstatat`, `umount`), preferring one
    /// whose first syscall it is.
    public static func calling(_ name: String) -> TrafficKind? {
        allCases.first { $0.facts.syscalls.first == name } ?? allCases.first { $0.facts.syscalls.contains(name) }
    }

    /// The workload that fires tracepoint `event` (`sched_switch`), of `category` when the section names one.
    public static func firing(_ event: String, category: String? = nil) -> TrafficKind? {
        allCases.first { kind in
            kind.facts.events.contains { e in
                let parts = e.split(separator: "/", maxSplits: 1).map(String.init)
                return parts.count == 2 && parts[1] == event && (category == nil || parts[0] == category)
            }
        }
    }

    /// The workload that calls kernel function `name`.
    public static func reaching(function name: String) -> TrafficKind? {
        allCases.first { $0.facts.functions.contains(name) }
            ?? allCases.first { kind in kind.facts.syscalls.first.map { entryPoints(of: $0).contains(name) } ?? false }
    }
}
