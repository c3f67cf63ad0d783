import CHarness
import Foundation

/// A function of bpfgate's own binary for uprobes to attach to (`bpfgate_uprobe_target` in the C shim), with a USDT
/// probe in it for USDT programs.
public enum UprobeTarget {
    public static let symbol = "bpfgate_uprobe_target"
    /// The USDT probe inside that function (`DTRACE_PROBE1(bpfgate, target, x)`): each call fires it too.
    public static let usdtProvider = "bpfgate", usdtName = "target"

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
