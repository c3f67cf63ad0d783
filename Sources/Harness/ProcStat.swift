import Foundation

/// The machine's CPU time so far, from the first line of /proc/stat (USER_HZ ticks, all CPUs).
public struct CPUTimes: Equatable, Sendable {
    /// system + irq + softirq: time the kernel spent for someone.
    public var kernel: UInt64
    /// user + nice + system + idle + iowait + irq + softirq + steal (guest time is inside user already).
    public var total: UInt64

    /// Parses the `cpu ` line of /proc/stat; nil when it is not there or too short.
    public init?(procStat text: String) {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 8 else { return nil }
        kernel = fields[2] + fields[5] + fields[6]
        total = fields[0 ..< 8].reduce(0, +)
    }

    /// Now, or nil if /proc/stat cannot be read.
    public static func now() -> CPUTimes? {
        (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).flatMap { CPUTimes(procStat: $0) }
    }

    /// Percent of all CPU time spent in the kernel between `earlier` and `self`; nil if no tick passed.
    public func kernelPercent(since earlier: CPUTimes) -> Double? {
        let dt = total &- earlier.total
        guard dt > 0, total >= earlier.total else { return nil }
        return Double(kernel &- earlier.kernel) / Double(dt) * 100
    }
}

/// bpfgate's resident set in bytes (/proc/self/statm, second field, in pages).
public func residentSetBytes() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Double(fields[1]) else { return nil }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
}
