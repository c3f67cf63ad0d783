/// What bpfgate never attaches on its own, and why: the one table of refusals. A program of these section types,
/// or one that calls these helpers, is listed as refused with the reason, and attached only with the opt-in of a
/// declaration (`hostWide`).
public enum Refusal {
    static let hostWide = "once attached it applies to every process on the host"

    /// Section prefixes of program types that change the behaviour of the whole host.
    public static let sections: [(prefix: String, why: String)] = [
        (Hook.lsm.rawValue, "an LSM program: \(hostWide) (libbpf-bootstrap's lsm example denies every bpf() call on the machine)"),
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

    /// kfuncs of the same kind (called through BTF, `extern` in the object).
    public static let kfuncs: [(name: String, why: String)] = [
        ("bpf_send_signal_task", "sends signals to any task"),
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
    /// The refused kfuncs each section calls (relocations against undefined symbols of those names).
    public private(set) var kfuncsBySection: [String: Set<String>] = [:]

    /// At most this many instruction bytes are scanned in all (sections may overlap in a hostile file).
    static let scanLimit = 64 << 20

    public init(elf b: [UInt8]) {
        func u16(_ o: Int) -> Int? { o >= 0 && o + 2 <= b.count ? Int(b[o]) | Int(b[o + 1]) << 8 : nil }
        func u32(_ o: Int) -> Int? { o >= 0 && o + 4 <= b.count ? (0 ..< 4).reduce(0) { $0 | Int(b[o + $1]) << (8 * $1) } : nil }
        func u64(_ o: Int) -> Int? {
            guard o >= 0, o + 8 <= b.count else { return nil }
            let v = (0 ..< 8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) }
            return v > UInt64(Int.max) ? nil : Int(v)
        }
        /// A NUL-terminated name at `offset` of the string table at `table`, at most 256 bytes.
        func string(_ table: Int, _ offset: Int) -> String? {
            let start = table + offset
            guard table >= 0, table < b.count, offset >= 0, offset < b.count - table else { return nil }
            var end = start
            while end < b.count && b[end] != 0 && end - start < 256 { end += 1 }
            return String(decoding: b[start ..< end], as: UTF8.self)
        }
        // ELF64, little-endian (bpfel).
        guard b.count >= 64, b[0 ..< 4] == [0x7f, 0x45, 0x4c, 0x46], b[4] == 2, b[5] == 1,
              let shoff = u64(0x28), let shentsize = u16(0x3a), let shnum = u16(0x3c), let shstrndx = u16(0x3e),
              shoff < b.count, shentsize >= 64, shstrndx < shnum, let strtab = u64(shoff + shstrndx * shentsize + 24),
              strtab < b.count else { return }
        struct Section { let name: String; let type: Int; let flags: Int; let offset: Int; let size: Int; let link: Int; let info: Int }
        var sections: [Section?] = []
        for i in 0 ..< shnum {
            let h = shoff + i * shentsize
            guard let nameOffset = u32(h), let type = u32(h + 4), let flags = u64(h + 8), let offset = u64(h + 24),
                  let size = u64(h + 32), let link = u32(h + 40), let info = u32(h + 44),
                  offset < b.count, size <= b.count - offset, let name = string(strtab, nameOffset) else { sections.append(nil); continue }
            sections.append(Section(name: name, type: type, flags: flags, offset: offset, size: size, link: link, info: info))
        }
        var budget = Self.scanLimit
        for case let section? in sections where section.type == 1 /* SHT_PROGBITS */ && section.flags & 0x4 != 0 /* SHF_EXECINSTR */ {
            guard budget >= section.size else { break }
            budget -= section.size
            var calls: Set<Int32> = []
            var pc = section.offset
            while pc + 8 <= section.offset + section.size {
                let code = b[pc], source = b[pc + 1] >> 4
                if code == 0x85, let imm = u32(pc + 4) {  // BPF_JMP | BPF_CALL
                    if source == 0 { calls.insert(Int32(truncatingIfNeeded: imm)) }
                    if source == 1 { callingSubprograms.insert(section.name) }  // BPF_PSEUDO_CALL
                }
                pc += code == 0x18 ? 16 : 8  // BPF_LD | BPF_IMM | BPF_DW takes two slots
            }
            bySection[section.name, default: []].formUnion(calls)
        }
        // kfuncs: relocations (SHT_REL) of an executable section against undefined symbols with a refused name.
        let refused = Set(Refusal.kfuncs.map(\.name))
        for case let rel? in sections where rel.type == 9 /* SHT_REL */ {
            guard rel.info < sections.count, let target = sections[rel.info], target.flags & 0x4 != 0,
                  rel.link < sections.count, let symtab = sections[rel.link], symtab.type == 2 /* SHT_SYMTAB */,
                  symtab.link < sections.count, let names = sections[symtab.link], budget >= rel.size else { continue }
            budget -= rel.size
            for entry in stride(from: rel.offset, to: rel.offset + rel.size - 15, by: 16) {
                guard let info = u64(entry + 8) else { break }
                let symbol = symtab.offset + (info >> 32) * 24
                guard symbol + 24 <= symtab.offset + symtab.size, let nameOffset = u32(symbol), u16(symbol + 6) == 0 /* SHN_UNDEF */,
                      let name = string(names.offset, nameOffset), refused.contains(name) else { continue }
                kfuncsBySection[target.name, default: []].insert(name)
            }
        }
    }

    /// Why a program of `section` is refused for the helpers it calls, or nil.
    public func refusal(section: String) -> NotDerivable? {
        var calls = bySection[section] ?? []
        var kfuncs = kfuncsBySection[section] ?? []
        if callingSubprograms.contains(section) {
            calls.formUnion(bySection[".text"] ?? [])
            kfuncs.formUnion(kfuncsBySection[".text"] ?? [])
        }
        let found = Refusal.helpers.filter { calls.contains($0.id) }.map { ($0.name, $0.why) }
            + Refusal.kfuncs.filter { kfuncs.contains($0.name) }.map { ($0.name, $0.why) }
        guard !found.isEmpty else { return nil }
        return NotDerivable("it calls " + found.map { "\($0.0) (\($0.1))" }.joined(separator: " and "), refused: true)
    }
}
