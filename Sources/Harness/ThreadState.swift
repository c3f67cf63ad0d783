import CHarness
import Foundation

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
