import CBPFGateShim
import CLibBPF
import Foundation

/// A user-space consumer of a ring buffer or perf buffer map, counting what arrives: on its own thread
/// (libbpf's `ring_buffer__poll` / `perf_buffer__poll` every 10 ms), or, not threaded, only when `drain()` is
/// called (the kernel suite empties the buffer between timed batches). `stop()` (or deinit) joins the thread
/// and frees libbpf's buffers.
public final class EventConsumer {
    public enum Kind: String, Sendable {
        case ringbuf, perfbuf
    }

    public struct Counts: Equatable, Sendable {
        public var events: UInt64
        public var bytes: UInt64
        /// Records the perf buffer reported lost (the kernel found the per-CPU buffer full).
        public var lost: UInt64
    }

    public let kind: Kind
    private var handle: OpaquePointer?

    /// `perfPages`: pages of each per-CPU perf buffer (a power of two).
    public init(map: BPFMap, kind: Kind, perfPages: Int = 64, threaded: Bool = true) throws {
        self.kind = kind
        var err: Int32 = 0
        guard let h = bpfgate_consumer_start(map.fd, kind == .perfbuf ? 1 : 0, perfPages, threaded ? 1 : 0, &err) else {
            throw BPFError.call(kind == .perfbuf ? "perf_buffer__new" : "ring_buffer__new", errno: -err)
        }
        handle = h
    }

    public var counts: Counts {
        guard let handle else { return Counts(events: 0, bytes: 0, lost: 0) }
        var c = Counts(events: 0, bytes: 0, lost: 0)
        bpfgate_consumer_counts(handle, &c.events, &c.bytes, &c.lost)
        return c
    }

    /// Consumes every record the buffer holds now (a consumer made with `threaded: false`) and returns the
    /// counts so far.
    @discardableResult
    public func drain() throws -> Counts {
        if let handle {
            let rc = bpfgate_consumer_drain(handle)
            if rc < 0 { throw BPFError.call(kind == .perfbuf ? "perf_buffer__consume" : "ring_buffer__consume", errno: -rc) }
        }
        return counts
    }

    public func stop() {
        if let handle { bpfgate_consumer_stop(handle) }
        handle = nil
    }

    deinit { stop() }
}
