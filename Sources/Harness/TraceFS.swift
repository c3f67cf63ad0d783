import BPF
import Foundation

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
