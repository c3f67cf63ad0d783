import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness

/// The counting reference of a case, loaded on its own from the embedded probes object, counting only this
/// process's events, and attachable to the measured program's target (`ReferenceTarget`).
struct MacroReference {
    let object: BPFObject
    let program: BPFProgram
    let target: ReferenceTarget
    let hook: Hook
    /// The reference's program name and its target, for messages: `probe_tracepoint on tracepoint syscalls/sys_enter_openat`.
    let label: String

    /// Loads `function` of `bpf/probes.bpf.c` for a program in `section`, retargeted (BTF hooks) before load.
    init(function: String, for c: MacroCase, section: String) throws {
        hook = c.attach
        target = ReferenceTarget.of(hook: c.attach, section: section)
        label = "\(function) on \(target)"
        let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
        do {
            try object.autoloadOnly(function)
            let program = try object.program(named: function)
            if case let .btf(name) = target { try program.setAttachTarget(function: name) }
            try object.load()
            // Events the workload makes in its children count too (the measured program sees them all alike).
            if !c.traffic.facts.otherProcesses || c.command != nil { try HookAttach.countOnlyThisProcess(object) }
            self.object = object
            self.program = program
        } catch {
            object.close()
            throw error
        }
    }

    /// Attaches the reference to its target and returns how to detach it.
    func attach(at site: AttachSite) throws -> Detach {
        try HookAttach.attach(reference: program, to: target, hook: hook, at: site)
    }

    func close() { object.close() }
}

extension BPFObject {
    /// Sets up the load of case `c`'s program alone, typed as its section needs (`SEC("xdp_pass")`: XDP, which
    /// libbpf 1.x leaves to the loader), with your declaration's `.rodata` values and map sizes, and your object's
    /// other maps sized and unpinned as its loader would (`adoptLoaderDefaults`). Returns what it changed in the maps
    /// on its own, for the benchmark's notes.
    @discardableResult
    func prepare(_ c: MacroCase) throws -> [String] {
        try prepare(c.function, with: c.companions, rodata: c.rodata, maxEntries: c.maxEntries, section: c.section, yours: c.source != nil)
    }

    /// The same for program `function` (and siblings `companions`) of an object of yours (`yours`) or bpfgate's own.
    @discardableResult
    func prepare(_ function: String, with companions: [String] = [], rodata: [String: Int64], maxEntries: [String: Int], section: String?,
                 yours: Bool) throws -> [String] {
        try autoloadOnly(Set([function] + companions))
        for (name, value) in rodata.sorted(by: { $0.key < $1.key }) { try setReadOnly(name, to: value) }
        for (name, entries) in maxEntries.sorted(by: { $0.key < $1.key }) { try setMaxEntries(UInt32(entries), ofMap: name) }
        let adopted = yours ? try adoptLoaderDefaults() : []
        if let section, Hook.isLegacyXDP(section) { try program(named: function).useXDPType() }
        return adopted
    }
}
