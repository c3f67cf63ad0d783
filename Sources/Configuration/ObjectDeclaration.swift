import BPFCatalog

/// A benchmark over one program of the user's own BPF object (`objects` in the configuration).
public struct ObjectDeclaration: Codable, Equatable, Sendable {
    /// Where the events that drive the program come from.
    public enum Traffic: Codable, Equatable, Sendable {
        /// A built-in generator on `threads` threads.
        case generator(TrafficKind, threads: Int)
        /// The user's own command, run for at most `seconds` (stopped after the benchmark, or at that bound).
        case command([String], seconds: Double)
    }


    /// The object file, resolved against the configuration file's directory.
    public var object: String
    public var program: String
    /// nil: derived from the program's section.
    public var attach: Hook?
    /// nil: the section's default traffic.
    public var traffic: Traffic?
    /// Your opt-in to a program bpfgate refuses by default (`Refusal`): an LSM program, or one that calls
    /// bpf_send_signal, bpf_probe_write_user, ...: attached on the host, where it acts on every process.
    public var hostWide: Bool
    /// Values of the object's `const volatile` switches in `.rodata` (integers; true and false are 1 and 0), set
    /// before load as the tool's loader sets them from its command line.
    public var rodata: [String: Int64]
    /// Entries of the object's maps, by name, as the tool's loader sizes them (`bpf_map__set_max_entries`), over
    /// bpfgate's defaults for maps declared with none.
    public var maxEntries: [String: Int]
    /// A uprobe's or USDT program's binary and function or probe, over the section's (nil: the section's, else
    /// bpfgate's own).
    public var target: ProbeTarget?

    public init(object: String, program: String, attach: Hook? = nil, traffic: Traffic? = nil, hostWide: Bool = false,
                rodata: [String: Int64] = [:], maxEntries: [String: Int] = [:], target: ProbeTarget? = nil) {
        self.target = target
        self.object = object
        self.program = program
        self.attach = attach
        self.traffic = traffic
        self.hostWide = hostWide
        self.rodata = rodata
        self.maxEntries = maxEntries
    }
}
