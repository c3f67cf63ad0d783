import BPFCatalog
import CHarness
import Foundation

extension TrafficKind {
    /// The C loop's kind (`enum bpfgate_traffic_kind`).
    var raw: Int32 {
        let k: bpfgate_traffic_kind
        switch self {
        case .getppid: k = BPFGATE_TRAFFIC_GETPPID
        case .getpgid: k = BPFGATE_TRAFFIC_GETPGID
        case .openat: k = BPFGATE_TRAFFIC_OPENAT
        case .uprobe: k = BPFGATE_TRAFFIC_UPROBE
        case .udp: k = BPFGATE_TRAFFIC_UDP
        case .tcp: k = BPFGATE_TRAFFIC_TCP
        case .xdpAborted, .xdpRedirectError, .xdpRedirect, .xdpDevmap, .xdpCpumap: k = BPFGATE_TRAFFIC_UDP  // datagrams; the helper makes the events
        case .read: k = BPFGATE_TRAFFIC_READ
        case .write: k = BPFGATE_TRAFFIC_WRITE
        case .pread64: k = BPFGATE_TRAFFIC_PREAD64
        case .pwrite64: k = BPFGATE_TRAFFIC_PWRITE64
        case .lseek: k = BPFGATE_TRAFFIC_LSEEK
        case .fsync: k = BPFGATE_TRAFFIC_FSYNC
        case .fdatasync: k = BPFGATE_TRAFFIC_FDATASYNC
        case .syncFileRange: k = BPFGATE_TRAFFIC_SYNC_FILE_RANGE
        case .msync: k = BPFGATE_TRAFFIC_MSYNC
        case .newfstat: k = BPFGATE_TRAFFIC_NEWFSTAT
        case .fstatfs: k = BPFGATE_TRAFFIC_FSTATFS
        case .statfs: k = BPFGATE_TRAFFIC_STATFS
        case .newstat: k = BPFGATE_TRAFFIC_NEWSTAT
        case .newlstat: k = BPFGATE_TRAFFIC_NEWLSTAT
        case .newfstatat: k = BPFGATE_TRAFFIC_NEWFSTATAT
        case .statx: k = BPFGATE_TRAFFIC_STATX
        case .open: k = BPFGATE_TRAFFIC_OPEN
        case .openat2: k = BPFGATE_TRAFFIC_OPENAT2
        case .unlink: k = BPFGATE_TRAFFIC_UNLINK
        case .unlinkat: k = BPFGATE_TRAFFIC_UNLINKAT
        case .rename: k = BPFGATE_TRAFFIC_RENAME
        case .renameat: k = BPFGATE_TRAFFIC_RENAMEAT
        case .renameat2: k = BPFGATE_TRAFFIC_RENAMEAT2
        case .mkdir: k = BPFGATE_TRAFFIC_MKDIR
        case .mkdirat: k = BPFGATE_TRAFFIC_MKDIRAT
        case .dup: k = BPFGATE_TRAFFIC_DUP
        case .dup2: k = BPFGATE_TRAFFIC_DUP2
        case .dup3: k = BPFGATE_TRAFFIC_DUP3
        case .directIO: k = BPFGATE_TRAFFIC_DIRECT_IO
        case .getpid: k = BPFGATE_TRAFFIC_GETPID
        case .gettid: k = BPFGATE_TRAFFIC_GETTID
        case .getuid: k = BPFGATE_TRAFFIC_GETUID
        case .newuname: k = BPFGATE_TRAFFIC_NEWUNAME
        case .getrandom: k = BPFGATE_TRAFFIC_GETRANDOM
        case .schedYield: k = BPFGATE_TRAFFIC_SCHED_YIELD
        case .kill: k = BPFGATE_TRAFFIC_KILL
        case .tgkill: k = BPFGATE_TRAFFIC_TGKILL
        case .tkill: k = BPFGATE_TRAFFIC_TKILL
        case .clone: k = BPFGATE_TRAFFIC_CLONE
        case .execve: k = BPFGATE_TRAFFIC_EXECVE
        case .execveat: k = BPFGATE_TRAFFIC_EXECVEAT
        case .pingpong: k = BPFGATE_TRAFFIC_PINGPONG
        case .pipe2: k = BPFGATE_TRAFFIC_PIPE2
        case .mmap: k = BPFGATE_TRAFFIC_MMAP
        case .nanosleep: k = BPFGATE_TRAFFIC_NANOSLEEP
        case .clockNanosleep: k = BPFGATE_TRAFFIC_CLOCK_NANOSLEEP
        case .sendto: k = BPFGATE_TRAFFIC_SENDTO
        case .sendmsg: k = BPFGATE_TRAFFIC_SENDMSG
        case .tcpStream: k = BPFGATE_TRAFFIC_TCP_STREAM
        case .futex: k = BPFGATE_TRAFFIC_FUTEX
        case .connect: k = BPFGATE_TRAFFIC_CONNECT
        case .socket: k = BPFGATE_TRAFFIC_SOCKET
        case .bind: k = BPFGATE_TRAFFIC_BIND
        case .mount: k = BPFGATE_TRAFFIC_MOUNT
        case .umount: k = BPFGATE_TRAFFIC_UMOUNT
        case .fsopen: k = BPFGATE_TRAFFIC_FSOPEN
        case .fsconfig: k = BPFGATE_TRAFFIC_FSCONFIG
        case .fsmount: k = BPFGATE_TRAFFIC_FSMOUNT
        case .moveMount: k = BPFGATE_TRAFFIC_MOVE_MOUNT
        case .pivotRoot: k = BPFGATE_TRAFFIC_PIVOT_ROOT
        case .chroot: k = BPFGATE_TRAFFIC_CHROOT
        case .reboot: k = BPFGATE_TRAFFIC_REBOOT
        case .initModule: k = BPFGATE_TRAFFIC_INIT_MODULE
        case .finitModule: k = BPFGATE_TRAFFIC_FINIT_MODULE
        case .deleteModule: k = BPFGATE_TRAFFIC_DELETE_MODULE
        case .swapon: k = BPFGATE_TRAFFIC_SWAPON
        case .swapoff: k = BPFGATE_TRAFFIC_SWAPOFF
        case .settimeofday: k = BPFGATE_TRAFFIC_SETTIMEOFDAY
        case .clockSettime: k = BPFGATE_TRAFFIC_CLOCK_SETTIME
        case .sethostname: k = BPFGATE_TRAFFIC_SETHOSTNAME
        case .acct: k = BPFGATE_TRAFFIC_ACCT
        case .iterate: k = BPFGATE_TRAFFIC_ITERATE
        case .sync: k = BPFGATE_TRAFFIC_SYNC
        case .syncfs: k = BPFGATE_TRAFFIC_SYNCFS
        }
        return Int32(k.rawValue)
    }
}

/// `threads` threads making events of one kind in a C loop, from `init` until `stop()` — or until
/// `maxSeconds` pass or `maxEvents` are made, whichever comes first: a generator always stops by itself.
/// `events` is the running total, readable at any time (window boundaries). A workload that needs files gets
/// a private directory (`WorkloadDirectory`), removed by `stop()`. A thread whose set-up or event fails stops
/// and says why (`failure`).
public final class TrafficGenerator {
    public let kind: TrafficKind
    public let threads: Int
    /// One counter per thread, 64 bytes apart (no false sharing), and the stop flag.
    private let counters: UnsafeMutablePointer<UInt64>
    private let stopFlag: UnsafeMutablePointer<Int32>
    /// Each thread's result: its events, or -errno.
    private let results: UnsafeMutablePointer<Int>
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false
    private let directory: WorkloadDirectory?
    /// Kept alive while the threads read it.
    private let iterator: IteratorSlot?
    static let stride = 8

    /// `socket`: the connected socket `.udp` and `.tcp` send on; `iterator`: where `.iterate` finds the iterator to
    /// read. Throws when the workload's directory cannot be made.
    public init(kind: TrafficKind, threads: Int, maxSeconds: Double, maxEvents: UInt64 = .max, socket: Int32 = -1,
                iterator: IteratorSlot? = nil) throws {
        self.kind = kind
        self.threads = max(1, threads)
        let needs = kind.facts.needs
        if needs.contains(.blockDevice) {
            directory = try WorkloadDirectory(blockDevice: true)
        } else if needs.contains(.directory) {
            directory = try WorkloadDirectory(blockDevice: false)
        } else {
            directory = nil
        }
        counters = .allocate(capacity: self.threads * Self.stride)
        counters.initialize(repeating: 0, count: self.threads * Self.stride)
        results = .allocate(capacity: self.threads)
        results.initialize(repeating: 0, count: self.threads)
        stopFlag = .allocate(capacity: 1)
        stopFlag.initialize(to: 0)
        let deadline = bpfgate_monotonic_ns() + UInt64(max(0, maxSeconds) * 1e9)
        let perThread = maxEvents / UInt64(self.threads)
        let path = directory?.path
        self.iterator = iterator
        let slotPointer = iterator?.pointer
        for t in 0 ..< self.threads {
            let slot = Slot(stop: UnsafePointer(stopFlag), counter: counters + t * Self.stride, result: results + t, iterator: slotPointer)
            let (raw, done) = (kind.raw, finished)
            let thread = Thread {
                let r = path.map { p in p.withCString { bpfgate_traffic_run(raw, socket, slot.iterator, $0, slot.stop, slot.counter, deadline, perThread) } }
                    ?? bpfgate_traffic_run(raw, socket, slot.iterator, nil, slot.stop, slot.counter, deadline, perThread)
                slot.result.pointee = r
                done.signal()
            }
            thread.name = "bpfgate-traffic-\(t)"
            thread.start()
        }
    }

    /// Events made so far by all threads.
    public var events: UInt64 {
        (0 ..< threads).reduce(0) { $0 + bpfgate_atomic_load_u64(counters + $1 * Self.stride) }
    }

    /// Why the workload stopped early (a thread's set-up or event failed), once stopped; nil if it did not.
    public private(set) var failure: SystemCallError?

    /// Stops the threads, waits for them and removes the workload's directory. Idempotent.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        bpfgate_atomic_store_int(stopFlag, 1)
        for _ in 0 ..< threads { finished.wait() }
        if let code = (0 ..< threads).map({ results[$0] }).first(where: { $0 < 0 }) {
            failure = SystemCallError(call: "the \(kind.rawValue) workload", errno: Int32(-code))
        }
        directory?.close()
    }

    /// A thread's view of the shared memory: the C loop reads and writes it with atomics only; its result is
    /// written once, before `finished` is signalled.
    private struct Slot: @unchecked Sendable {
        let stop: UnsafePointer<Int32>
        let counter: UnsafeMutablePointer<UInt64>
        let result: UnsafeMutablePointer<Int>
        let iterator: OpaquePointer?
    }

    deinit {
        stop()
        counters.deallocate()
        results.deallocate()
        stopFlag.deallocate()
    }
}

/// A private temporary directory for a workload's files (`bpfgate-workload-XXXXXX`), journaled so that the next
/// bpfgate removes it after a SIGKILL, and removed with everything in it by `close()` and on every exit path.
public final class WorkloadDirectory {
    public let path: String
    private var token: Int?
    public static let prefix = "bpfgate-workload-"

    /// Candidates: $TMPDIR, /var/tmp and /tmp; `blockDevice`: only one on a filesystem backed by a block device
    /// (O_DIRECT writes reach the device), else an error saying there is none.
    public init(blockDevice: Bool) throws {
        let env = ProcessInfo.processInfo.environment["TMPDIR"].map { [$0] } ?? []
        let candidates = (env + ["/var/tmp", "/tmp"]).filter { base in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
            // tmpfs, overlay and other virtual filesystems have device major 0.
            var st = stat()
            return !blockDevice || (stat(base, &st) == 0 && deviceMajor(st.st_dev) != 0)
        }
        guard let base = candidates.first else {
            throw SystemCallError(call: blockDevice ? "finding a block-backed filesystem for the workload's files ($TMPDIR, /var/tmp, /tmp)"
                                      : "finding a temporary directory ($TMPDIR, /var/tmp, /tmp)", errno: ENOENT)
        }
        let made = try Cleanup.shared.change("remove the workload directory", { () throws -> String in
            var template = Array("\(base)/\(Self.prefix)XXXXXX".utf8CString)
            guard let p = mkdtemp(&template) else { throw SystemCallError(call: "mkdtemp in \(base)", errno: errno) }
            return String(cString: p)
        }, leftover: { .workloadDirectory(path: $0) }, undo: { Self.remove($0) })
        path = made.value
        token = made.token
    }

    /// Removes a workload directory and what is in it (only a directory named like one).
    static func remove(_ path: String) {
        guard URL(fileURLWithPath: path).lastPathComponent.hasPrefix(prefix) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    public func close() {
        if let token { Cleanup.shared.run(token) }
        token = nil
    }

    deinit { close() }
}

private func deviceMajor(_ dev: dev_t) -> UInt64 { (UInt64(dev) >> 8) & 0xfff | (UInt64(dev) >> 32) & ~0xfff }

/// Sleeps the calling thread for `nanoseconds` (the window of a measurement; the generators keep running).
public func sleepNanoseconds(_ nanoseconds: UInt64) {
    var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Where the `iterate` workload finds the iterator to read: the link of the iterator program attached at the
/// moment, set by `HookAttach` (`AttachSite.iterator`) on attach and cleared on detach, before the link goes.
public final class IteratorSlot: @unchecked Sendable {
    let pointer: OpaquePointer

    public init() throws {
        guard let p = bpfgate_iter_slot_new() else { throw SystemCallError(call: "iterator slot", errno: ENOMEM) }
        pointer = p
    }

    /// The link to read from now on (-1: none). Returns once no reader is creating an iterator from the old one.
    func set(linkFD: Int32) { bpfgate_iter_slot_set(pointer, linkFD) }

    /// Reads the attached iterator once to its end: false when none is attached.
    public func readOnce() throws -> Bool {
        let r = bpfgate_iter_read_once(pointer)
        if r < 0 { throw SystemCallError(call: "reading the BPF iterator", errno: Int32(-r)) }
        return r == 0
    }

    deinit { bpfgate_iter_slot_free(pointer) }
}
