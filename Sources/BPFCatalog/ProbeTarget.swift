/// What a uprobe or USDT program attaches to in user space: a function of a binary (uprobes), or a USDT probe
/// (`provider:name`) of it. From the section (libbpf's `uprobe/<binary>:<function>`, `usdt/<binary>:<provider>:<name>`)
/// or a declaration's `target`; without one, bpfgate's own (`UprobeTarget`: its function and its probe `bpfgate:target`).
public struct ProbeTarget: Codable, Equatable, Sendable, CustomStringConvertible {
    public var binary: String
    /// A uprobe's function (an ELF symbol of `binary`).
    public var function: String?
    /// A USDT probe's provider and name.
    public var provider: String?
    public var name: String?

    public init(binary: String, function: String) {
        self.binary = binary
        self.function = function
    }

    public init(binary: String, provider: String, name: String) {
        self.binary = binary
        self.provider = provider
        self.name = name
    }

    public var isUSDT: Bool { provider != nil }

    public var description: String {
        if let provider, let name { return "\(binary):\(provider):\(name)" }
        return "\(binary):\(function ?? "?")"
    }

    /// The target a section names, libbpf's way: `uprobe/<binary>:<function>[+<offset>]` (also `uretprobe`, `.s`),
    /// `usdt/<binary>:<provider>:<name>`; nil for a bare section or one it cannot read.
    public static func of(section: String) -> ProbeTarget? {
        guard let slash = section.firstIndex(of: "/") else { return nil }
        let prefix = String(section[..<slash]), spec = String(section[section.index(after: slash)...])
        if Hook.usdt.family.sectionPrefixes.contains(prefix) {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, !parts.contains(where: \.isEmpty) else { return nil }
            return ProbeTarget(binary: parts[0], provider: parts[1], name: parts[2])
        }
        guard (Hook.uprobe.family.sectionPrefixes + Hook.uretprobe.family.sectionPrefixes).contains(prefix),
              let colon = spec.lastIndex(of: ":") else { return nil }
        let binary = String(spec[..<colon])
        let function = String(spec[spec.index(after: colon)...].split(separator: "+").first ?? "")
        return binary.isEmpty || function.isEmpty ? nil : ProbeTarget(binary: binary, function: function)
    }
}
