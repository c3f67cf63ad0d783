import BPF
import BPFObjects
import Foundation

/// Where the counting reference of a measured program attaches: the measured program's own target, read
/// from its section. The counting programs of `bpf/probes.bpf.c` are written for one target each
/// (`probe_tracepoint` on getppid's tracepoint, ...); on a program of openat's tracepoint, that reference
/// would never run under openat traffic. So tracepoints attach by category and name, raw tracepoints by
/// name, kprobes by function, and BTF hooks (tp_btf, fentry, fexit) are retargeted before load.
enum ReferenceTarget: Equatable, Sendable, CustomStringConvertible {
    /// `bpf_program__attach_tracepoint(category, name)`.
    case tracepoint(category: String, name: String)
    /// `bpf_program__attach_raw_tracepoint(name)`.
    case rawTracepoint(String)
    /// `bpf_program__set_attach_target` before load (tp_btf: the tracepoint; fentry/fexit: the function).
    case btf(String)
    /// `bpf_program__attach_kprobe(function)`.
    case kprobe(function: String, retprobe: Bool)
    /// Packet hooks, uprobes and sections bpfgate cannot read: attached as the measured program is (the
    /// same veth, socket, cgroup or uprobe target) or by the reference's own section.
    case sameHook

    /// The target of a program of hook `attachKind` (as `Doctor.attach` names it) in section `section`.
    static func of(attachKind: String, section: String) -> ReferenceTarget {
        let parts = section.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let prefix = parts.first ?? ""
        let rest = parts.dropFirst().joined(separator: "/")
        switch attachKind {
        case "tracepoint" where ["tracepoint", "tp"].contains(prefix) && parts.count == 3 && !parts[1].isEmpty && !parts[2].isEmpty:
            return .tracepoint(category: parts[1], name: parts[2])
        case "raw_tracepoint" where ["raw_tracepoint", "raw_tp"].contains(prefix) && !rest.isEmpty:
            return .rawTracepoint(rest)
        case "tp_btf" where prefix == "tp_btf" && !rest.isEmpty,
             "fentry" where prefix == "fentry" && !rest.isEmpty,
             "fexit" where prefix == "fexit" && !rest.isEmpty:
            return .btf(rest)
        case "kprobe" where prefix == "kprobe" && !rest.isEmpty, "kretprobe" where prefix == "kretprobe" && !rest.isEmpty:
            // `kprobe/function+offset`: the reference goes on the function.
            return .kprobe(function: String(rest.split(separator: "+").first ?? Substring(rest)), retprobe: attachKind == "kretprobe")
        default:
            return .sameHook
        }
    }

    var description: String {
        switch self {
        case let .tracepoint(category, name): return "tracepoint \(category)/\(name)"
        case let .rawTracepoint(name): return "raw tracepoint \(name)"
        case let .btf(target): return "BTF target \(target)"
        case let .kprobe(function, retprobe): return "\(retprobe ? "kretprobe" : "kprobe") \(function)"
        case .sameHook: return "the program's hook"
        }
    }
}

/// The counting reference of a case, loaded on its own from the embedded probes object, counting only this
/// process's events, and attachable to the measured program's target (`ReferenceTarget`).
struct MacroReference {
    let object: BPFObject
    let program: BPFProgram
    let target: ReferenceTarget
    /// The reference's program name and its target, for messages: `probe_tracepoint on tracepoint syscalls/sys_enter_openat`.
    let label: String

    /// Loads `function` of `bpf/probes.bpf.c` for a program in `section`, retargeted (BTF hooks) before load.
    init(function: String, for c: MacroCase, section: String) throws {
        target = ReferenceTarget.of(attachKind: c.attachKind, section: section)
        label = "\(function) on \(target)"
        let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
        do {
            try object.autoloadOnly(function)
            let program = try object.program(named: function)
            if case let .btf(name) = target { try program.setAttachTarget(function: name) }
            try object.load()
            try Doctor.countOnlyThisProcess(object)
            self.object = object
            self.program = program
        } catch {
            object.close()
            throw error
        }
    }

    /// Attaches the reference to its target and returns how to detach it.
    func attach(_ c: MacroCase, _ path: PacketPath?, _ cgroup: OwnCgroup?) throws -> () throws -> Void {
        switch target {
        case let .tracepoint(category, name):
            let mounted = try Doctor.mountTraceFSIfAbsent()
            do {
                let link = try program.attachTracepoint(category: category, name: name)
                return { link.destroy(); if let mounted { Cleanup.shared.run(mounted) } }
            } catch {
                if let mounted { Cleanup.shared.run(mounted) }
                throw error
            }
        case let .rawTracepoint(name):
            let link = try program.attachRawTracepoint(name: name)
            return { link.destroy() }
        case let .kprobe(function, retprobe):
            let link = try program.attachKprobe(function: function, retprobe: retprobe)
            return { link.destroy() }
        case .btf, .sameHook:
            return try MacroSuite.attach(c, program, path, cgroup)
        }
    }

    func close() { object.close() }
}
