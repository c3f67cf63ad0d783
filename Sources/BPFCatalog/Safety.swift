/// What bpfgate never attaches on its own, and why: the one table of refusals. A program of these section types,
/// or one that calls these helpers, is listed as refused with the reason, never attached.
public enum Refusal {
    static let hostWide = "once attached it applies to every process on the host"

    /// Section prefixes of program types that change the behaviour of the whole host.
    public static let sections: [(prefix: String, why: String)] = [
        ("lsm", "an LSM program: \(hostWide) (libbpf-bootstrap's lsm example denies every bpf() call on the machine)"),
        ("lsm.s", "a sleepable LSM program: \(hostWide)"),
        ("lsm_cgroup", "a cgroup LSM program: it changes security decisions"),
        ("fmod_ret", "an fmod_ret program changes what kernel functions return, for every caller"),
        ("fmod_ret.s", "an fmod_ret program changes what kernel functions return, for every caller"),
        ("struct_ops", "a struct_ops program replaces kernel operations (congestion control, schedulers) host-wide"),
        ("struct_ops.s", "a struct_ops program replaces kernel operations (congestion control, schedulers) host-wide"),
    ]

    /// Helpers that act on other processes or on the kernel's behaviour (`enum bpf_func_id`).
    public static let helpers: [(id: Int32, name: String, why: String)] = [
        (36, "bpf_probe_write_user", "writes into the memory of whatever process it runs in"),
        (58, "bpf_override_return", "changes what kernel functions return"),
        (109, "bpf_send_signal", "sends signals to whatever process it runs in"),
        (117, "bpf_send_signal_thread", "sends signals to whatever thread it runs in"),
        (166, "bpf_sys_bpf", "makes bpf() calls from inside the kernel"),
    ]

    /// Why a program of `section` is refused, or nil.
    public static func of(section: String) -> NotDerivable? {
        let prefix = String(section.split(separator: "/", maxSplits: 1).first ?? "")
        return sections.first { $0.prefix == prefix }.map { NotDerivable($0.why, refused: true) }
    }
}

/// The helper calls in each executable section of a BPF object, read from its ELF bytes without libbpf (every
/// offset bounds-checked: a malformed object yields no calls, and libbpf rejects it later). Subprograms live in
/// `.text`: a section that calls into subprograms is held to what `.text` calls as well.
public struct HelperCalls: Sendable {
    public private(set) var bySection: [String: Set<Int32>] = [:]
    /// Sections with bpf-to-bpf calls (into `.text`).
    public private(set) var callingSubprograms: Set<String> = []

    public init(elf b: [UInt8]) {
        func u16(_ o: Int) -> Int? { o >= 0 && o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : nil }
        func u32(_ o: Int) -> Int? { o >= 0 && o + 4 <= b.count ? (0 ..< 4).reduce(0) { $0 | Int(b[o + $1]) << (8 * $1) } : nil }
        func u64(_ o: Int) -> Int? {
            guard o >= 0, o + 8 <= b.count else { return nil }
            let v = (0 ..< 8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) }
            return v > UInt64(Int.max) ? nil : Int(v)
        }
        // ELF64, little-endian (bpfel).
        guard b.count >= 64, b[0 ..< 4] == [0x7f, 0x45, 0x4c, 0x46], b[4] == 2, b[5] == 1,
              let shoff = u64(0x28), let shentsize = u16(0x3a), let shnum = u16(0x3c), let shstrndx = u16(0x3e),
              shoff < b.count, shentsize >= 64, shstrndx < shnum, let strtab = u64(shoff + shstrndx * shentsize + 24),
              strtab < b.count else { return }
        func name(at offset: Int) -> String? {
            var end = strtab + offset
            guard end >= 0, end < b.count else { return nil }
            while end < b.count && b[end] != 0 { end += 1 }
            return String(decoding: b[(strtab + offset) ..< end], as: UTF8.self)
        }
        for i in 0 ..< shnum {
            let h = shoff + i * shentsize
            guard let nameOffset = u32(h), let type = u32(h + 4), let flags = u64(h + 8), let offset = u64(h + 24),
                  let size = u64(h + 32), type == 1 /* SHT_PROGBITS */, flags & 0x4 != 0 /* SHF_EXECINSTR */,
                  offset < b.count, size <= b.count - offset, let section = name(at: nameOffset) else { continue }
            var calls: Set<Int32> = []
            var pc = offset
            while pc + 8 <= offset + size {
                let code = b[pc], source = b[pc + 1] >> 4
                if code == 0x85, let imm = u32(pc + 4) {  // BPF_JMP | BPF_CALL
                    if source == 0 { calls.insert(Int32(truncatingIfNeeded: imm)) }
                    if source == 1 { callingSubprograms.insert(section) }  // BPF_PSEUDO_CALL
                }
                pc += code == 0x18 ? 16 : 8  // BPF_LD | BPF_IMM | BPF_DW takes two slots
            }
            bySection[section, default: []].formUnion(calls)
        }
    }

    /// Why a program of `section` is refused for the helpers it calls, or nil.
    public func refusal(section: String) -> NotDerivable? {
        var calls = bySection[section] ?? []
        if callingSubprograms.contains(section) { calls.formUnion(bySection[".text"] ?? []) }
        let found = Refusal.helpers.filter { calls.contains($0.id) }
        guard !found.isEmpty else { return nil }
        return NotDerivable("it calls " + found.map { "\($0.name) (\($0.why))" }.joined(separator: " and "), refused: true)
    }
}
