import CLibBPF
import Foundation

/// Attaching a program to a target of the caller's choice rather than its section's: the counting reference
/// of a measured program goes on that program's own tracepoint, function or BTF hook.
extension BPFProgram {
    /// Attaches a tracepoint program to `category`/`name` (`bpf_program__attach_tracepoint`); any tracepoint
    /// program attaches to any tracepoint this way, whatever its section says. libbpf needs tracefs.
    public func attachTracepoint(category: String, name: String) throws -> BPFLink {
        try targetLink(bpf_program__attach_tracepoint(handle, category, name),
                       call: "bpf_program__attach_tracepoint(\(self.name), \(category)/\(name))")
    }

    /// Attaches a raw tracepoint program to the raw tracepoint `name` (`bpf_program__attach_raw_tracepoint`).
    public func attachRawTracepoint(name: String) throws -> BPFLink {
        try targetLink(bpf_program__attach_raw_tracepoint(handle, name), call: "bpf_program__attach_raw_tracepoint(\(self.name), \(name))")
    }

    /// Attaches a kprobe (or kretprobe) program to the kernel function `function` (`bpf_program__attach_kprobe`).
    public func attachKprobe(function: String, retprobe: Bool) throws -> BPFLink {
        try targetLink(bpf_program__attach_kprobe(handle, retprobe, function),
                       call: "bpf_program__attach_kprobe(\(self.name), \(function))")
    }

    /// The BTF target of a tp_btf, fentry, fexit or fmod_ret program (`bpf_program__set_attach_target`,
    /// the kernel's BTF): set before load, since the verifier checks the program against it; `attach()`
    /// then attaches there.
    public func setAttachTarget(function: String) throws {
        let err = bpf_program__set_attach_target(handle, 0, function)
        if err != 0 { throw BPFError.call("bpf_program__set_attach_target(\(name), \(function))", errno: -err) }
    }

    private func targetLink(_ raw: OpaquePointer?, call: String) throws -> BPFLink {
        let err = libbpf_get_error(UnsafeRawPointer(raw))
        guard let raw, err == 0 else { throw BPFError.call(call, errno: Int32(-err)) }
        return BPFLink(handle: raw, object: object, name: name)
    }
}
