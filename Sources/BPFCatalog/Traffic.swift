/// The events a built-in traffic generator makes (the C loops are `bpfgate_traffic_run`, driven by
/// `TrafficGenerator` in Suites). The raw value is the generator's name in declarations.
public enum TrafficKind: String, CaseIterable, Codable, Sendable {
    /// `getppid()` in a loop (the syscall tracepoint programs' event).
    case getppid
    /// `getpgid(0)` in a loop.
    case getpgid
    /// `openat("/dev/null")` + `close` in a loop (kprobe/fentry targets).
    case openat
    /// Calls of `bpfgate_uprobe_target`, a function of bpfgate's own binary (uprobe targets).
    case uprobe
    /// 64-byte UDP datagrams over a veth pair between two network namespaces (`PacketPath`).
    case udp
    /// 64-byte sends on a TCP connection over the same veth pair (TCP_NODELAY; a thread drains the far end).
    case tcp

    /// Packets over bpfgate's veth pair.
    public var isPacket: Bool { self == .udp || self == .tcp }
}
