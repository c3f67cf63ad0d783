import BPFCatalog
import CHarness
import Foundation

extension TrafficKind {
    var raw: Int32 {
        switch self {
        case .getppid: return Int32(BPFGATE_TRAFFIC_GETPPID.rawValue)
        case .getpgid: return Int32(BPFGATE_TRAFFIC_GETPGID.rawValue)
        case .openat: return Int32(BPFGATE_TRAFFIC_OPENAT.rawValue)
        case .uprobe: return Int32(BPFGATE_TRAFFIC_UPROBE.rawValue)
        case .udp: return Int32(BPFGATE_TRAFFIC_UDP.rawValue)
        case .tcp: return Int32(BPFGATE_TRAFFIC_TCP.rawValue)
        }
    }
}

/// `threads` threads making events of one kind in a C loop, from `init` until `stop()` — or until
/// `maxSeconds` pass or `maxEvents` are made, whichever comes first: a generator always stops by itself.
/// `events` is the running total, readable at any time (window boundaries).
public final class TrafficGenerator {
    public let kind: TrafficKind
    public let threads: Int
    /// One counter per thread, 64 bytes apart (no false sharing), and the stop flag.
    private let counters: UnsafeMutablePointer<UInt64>
    private let stopFlag: UnsafeMutablePointer<Int32>
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false
    static let stride = 8

    /// `socket`: the connected socket `.udp` sends on.
    public init(kind: TrafficKind, threads: Int, maxSeconds: Double, maxEvents: UInt64 = .max, socket: Int32 = -1) {
        self.kind = kind
        self.threads = max(1, threads)
        counters = .allocate(capacity: self.threads * Self.stride)
        counters.initialize(repeating: 0, count: self.threads * Self.stride)
        stopFlag = .allocate(capacity: 1)
        stopFlag.initialize(to: 0)
        let deadline = bpfgate_monotonic_ns() + UInt64(max(0, maxSeconds) * 1e9)
        let perThread = maxEvents / UInt64(self.threads)
        for t in 0 ..< self.threads {
            let slot = Slot(stop: UnsafePointer(stopFlag), counter: counters + t * Self.stride)
            let (raw, done) = (kind.raw, finished)
            let thread = Thread {
                _ = bpfgate_traffic_run(raw, socket, slot.stop, slot.counter, deadline, perThread)
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

    /// Stops the threads and waits for them. Idempotent.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        bpfgate_atomic_store_int(stopFlag, 1)
        for _ in 0 ..< threads { finished.wait() }
    }

    /// A thread's view of the shared memory: the C loop reads and writes it with atomics only.
    private struct Slot: @unchecked Sendable {
        let stop: UnsafePointer<Int32>
        let counter: UnsafeMutablePointer<UInt64>
    }

    deinit {
        stop()
        counters.deallocate()
        stopFlag.deallocate()
    }
}

/// Sleeps the calling thread for `nanoseconds` (the window of a measurement; the generators keep running).
public func sleepNanoseconds(_ nanoseconds: UInt64) {
    var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
