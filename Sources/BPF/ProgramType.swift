import CLibBPF

/// A BPF program type (`enum bpf_prog_type`).
public struct ProgramType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// libbpf's name, e.g. `xdp`.
    public var name: String {
        guard let s = libbpf_bpf_prog_type_str(bpf_prog_type(rawValue)) else { return "type \(rawValue)" }
        return String(cString: s)
    }

    /// Every program type this libbpf knows by name.
    public static var known: [ProgramType] {
        (1...64).map { ProgramType(rawValue: UInt32($0)) }.filter { libbpf_bpf_prog_type_str(bpf_prog_type($0.rawValue)) != nil }
    }

    /// Loads a minimal program of this type (`libbpf_probe_bpf_prog_type`, a live load): true if the kernel
    /// accepted it, false if it refused; throws if the probe itself failed.
    public func probeLoad() throws -> Bool {
        // libbpf answers "refused" (0) for EPERM too: say the privilege is missing instead.
        try Privileges.current().require(.loadPrograms)
        let r = libbpf_probe_bpf_prog_type(bpf_prog_type(rawValue), nil)
        if r < 0 { throw BPFError.call("libbpf_probe_bpf_prog_type(\(name))", errno: -r) }
        return r == 1
    }
}
