import BPF
import CHarness
import Foundation

/// A function of bpfgate's own binary for uprobes to attach to (`bpfgate_uprobe_target` in the C shim).
public enum UprobeTarget {
    public static let symbol = "bpfgate_uprobe_target"

    /// The binary that holds the symbol: this executable.
    public static var binary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
    }

    /// Calls the target `times` times; the result keeps the calls from being optimized away.
    @discardableResult
    public static func call(times: Int) -> UInt64 {
        var x: UInt64 = 0
        for _ in 0 ..< times { x = bpfgate_uprobe_target(x) }
        return x
    }
}

/// tracefs, which libbpf needs to attach tracepoints (it reads the event's id there).
public enum TraceFS {
    public static let path = "/sys/kernel/tracing"

    public static var isMounted: Bool {
        FileManager.default.fileExists(atPath: "\(path)/events") || FileManager.default.fileExists(atPath: "/sys/kernel/debug/tracing/events")
    }

    /// Mounts tracefs at /sys/kernel/tracing; the caller unmounts with `unmount()` (register it for clean-up).
    public static func mount() throws {
        if Glibc.mount("nodev", path, "tracefs", 0, nil) != 0 { throw BPFError.call("mount(tracefs, \(path))", errno: errno) }
    }

    public static func unmount() { _ = umount2(path, Int32(MNT_DETACH)) }
}

/// Pins the calling thread to the CPU it is on (sched_setaffinity), so that a measurement does not migrate;
/// `restore()` puts the previous mask back.
public final class CPUPin {
    private var saved: UnsafeMutableRawPointer?
    /// The CPU the thread is pinned to, or nil if pinning failed (the measurement then runs unpinned).
    public let cpu: Int?

    public init() {
        var cpu: Int32 = -1
        saved = bpfgate_pin_to_current_cpu(&cpu)
        self.cpu = saved == nil ? nil : Int(cpu)
    }

    deinit { restore() }

    public func restore() {
        if let saved { bpfgate_restore_affinity(saved) }
        saved = nil
    }
}

/// The calling thread's file-descriptor table.
public enum FileTable {
    /// Gives the calling thread a private copy (unshare(CLONE_FILES)); false if the kernel refused.
    @discardableResult
    public static func unshare() -> Bool { bpfgate_unshare_files() == 0 }
}
