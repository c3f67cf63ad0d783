import Foundation

/// A Linux capability that BPF work needs.
public enum Capability: Int, CaseIterable, Sendable {
    case netAdmin = 12
    case sysAdmin = 21
    case perfmon = 38
    case bpf = 39

    public var name: String {
        switch self {
        case .netAdmin: return "CAP_NET_ADMIN"
        case .sysAdmin: return "CAP_SYS_ADMIN"
        case .perfmon: return "CAP_PERFMON"
        case .bpf: return "CAP_BPF"
        }
    }
}

/// What an action needs, stated once so every message names the same capabilities.
public enum PrivilegedAction: Sendable {
    case createMaps, loadPrograms, enableStats, attachNetwork

    public var label: String {
        switch self {
        case .createMaps: return "creating BPF maps"
        case .loadPrograms: return "loading and attaching BPF programs"
        case .enableStats: return "enabling bpf_stats"
        case .attachNetwork: return "attaching XDP/tc programs"
        }
    }

    /// Capabilities required on kernels >= 5.8 (CAP_BPF/CAP_PERFMON exist); CAP_SYS_ADMIN stands in for both.
    public var required: [Capability] {
        switch self {
        case .createMaps: return [.bpf]
        case .loadPrograms: return [.bpf, .perfmon]
        case .enableStats: return [.sysAdmin]
        case .attachNetwork: return [.bpf, .netAdmin]
        }
    }
}

/// The effective capability set of this process (from /proc/self/status).
public struct Privileges: Sendable {
    public let effective: UInt64

    public init(effective: UInt64) { self.effective = effective }

    /// Reads `CapEff` of the current process.
    public static func current() -> Privileges {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
            return Privileges(effective: UInt64(hex, radix: 16) ?? 0)
        }
        return Privileges(effective: 0)
    }

    public func has(_ cap: Capability) -> Bool { effective & (1 << UInt64(cap.rawValue)) != 0 }

    /// The capabilities `action` needs that this process lacks (CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON).
    public func missing(for action: PrivilegedAction) -> [Capability] {
        action.required.filter { cap in
            if has(cap) { return false }
            if (cap == .bpf || cap == .perfmon) && has(.sysAdmin) { return false }
            return true
        }
    }

    /// Throws `BPFError.missingPrivilege` naming exactly what is missing.
    public func require(_ action: PrivilegedAction) throws {
        let missing = missing(for: action)
        if !missing.isEmpty { throw BPFError.missingPrivilege(action: action.label, missing: missing) }
    }
}
