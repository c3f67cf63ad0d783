/// The program types BPF_PROG_TEST_RUN can time on bpfgate's inputs: the one table of test-run kinds.
public enum TestRunKind: CaseIterable, Sendable {
    case xdp, schedCLS, schedACT, socketFilter, cgroupSKB, flowDissector, skLookup
    /// Run once per call on a zeroed context (`Frames.zeroContext`): raw tracepoints (12 zero arguments) and syscall
    /// programs (512 zero bytes); the kernel repeats neither.
    case rawTracepoint, syscall

    /// libbpf's name of the program type (for the packet hooks, the hook's own name).
    public var programType: String {
        switch self {
        case .xdp: return Hook.xdp.rawValue
        case .schedCLS: return "sched_cls"
        case .schedACT: return "sched_act"
        case .socketFilter: return Hook.socketFilter.rawValue
        case .cgroupSKB: return Hook.cgroupSKB.rawValue
        case .flowDissector: return "flow_dissector"
        case .skLookup: return "sk_lookup"
        case .rawTracepoint: return Hook.rawTracepoint.rawValue
        case .syscall: return "syscall"
        }
    }

    /// By libbpf's name of the program type (`bpf_program__type`); a section libbpf leaves untyped but the hook table
    /// reads as XDP (`xdp_<name>`, before libbpf 1.0) is XDP.
    public init?(programType: String, section: String) {
        // The kernel does not test-run the programs a devmap or cpumap runs on redirected frames (EINVAL).
        if ["devmap", "cpumap"].contains(section.split(separator: "/").dropFirst().first.map(String.init) ?? "") { return nil }
        if let kind = TestRunKind.allCases.first(where: { $0.programType == programType }) {
            self = kind
        } else if case .success(.xdp) = Hook.of(section: section) {
            self = .xdp
        } else {
            return nil
        }
    }

    /// The hook whose counting probe (`bpf/probes.bpf.c`) is test-run on the same inputs in the same rounds, as the
    /// machine's speed of the moment; nil where bpfgate has no probe of that type.
    public var referenceHook: Hook? {
        switch self {
        case .xdp: return .xdp
        case .schedCLS, .schedACT: return .tc
        case .socketFilter: return .socketFilter
        case .cgroupSKB: return .cgroupSKB
        case .rawTracepoint: return .rawTracepoint
        case .flowDissector, .skLookup, .syscall: return nil
        }
    }

    /// Whether it takes the frame as packet data; sk_lookup takes a context made from the frame's connection instead.
    public var takesFrame: Bool { ![.skLookup, .rawTracepoint, .syscall].contains(self) }

    /// The zeroed context of the kinds that take no frame and no connection (nil for the others).
    public var zeroContext: [UInt8]? {
        switch self {
        case .rawTracepoint: return [UInt8](repeating: 0, count: 12 * 8)
        case .syscall: return [UInt8](repeating: 0, count: 512)
        default: return nil
        }
    }

    /// Whether the kernel runs it `repeat` times in one call (raw tracepoints and syscall programs: once).
    public var repeats: Bool { zeroContext == nil }

    /// Whether it may write the packet, and the test run hands the packet back (a flow dissector's output is its keys).
    public var mayRewrite: Bool { self == .xdp || self == .schedCLS || self == .schedACT }

    /// What a return value means, for the notes (`XDP_PASS`, `TC_ACT_SHOT`, ...); the number where there is no name.
    public func describe(returnValue r: UInt32) -> String {
        let names: [String]
        switch self {
        case .xdp: names = ["XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"]
        case .schedCLS, .schedACT:
            if r == UInt32.max { return "TC_ACT_UNSPEC" }
            names = ["TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN", "TC_ACT_QUEUED",
                     "TC_ACT_REPEAT", "TC_ACT_REDIRECT"]
        case .flowDissector:
            return [0: "BPF_OK", 2: "BPF_DROP", 129: "BPF_FLOW_DISSECTOR_CONTINUE"][r] ?? String(r)
        case .skLookup: names = ["SK_DROP", "SK_PASS"]
        case .cgroupSKB: names = ["drop", "allow"]
        case .socketFilter: return r == 0 ? "0 (drop)" : "\(r) (keep \(r) bytes)"
        case .rawTracepoint, .syscall: return String(Int32(bitPattern: r))
        }
        return Int(r) < names.count ? names[Int(r)] : String(r)
    }
}

/// A connection a frame carries (for sk_lookup's context): protocol 6 or 17, addresses in network order.
public struct FrameTuple: Equatable, Sendable {
    public let proto: UInt8
    public let source: [UInt8]
    public let sourcePort: UInt16
    public let destination: [UInt8]
    public let destinationPort: UInt16

    public init(proto: UInt8, source: [UInt8], sourcePort: UInt16, destination: [UInt8], destinationPort: UInt16) {
        (self.proto, self.source, self.sourcePort, self.destination, self.destinationPort) = (proto, source, sourcePort, destination, destinationPort)
    }
}

/// One input of a test run: a name (the last segment of the benchmark's name) and its frames (one for the standard
/// inputs; a capture's first packets for `--pcap`).
public struct TestInput: Equatable, Sendable {
    public let name: String
    public let frames: [[UInt8]]
    /// Whatever else the input says about itself (a capture's packet count), for the notes.
    public let note: String?

    public init(name: String, frames: [[UInt8]], note: String? = nil) {
        self.name = name
        self.frames = frames
        self.note = note
    }

    /// The TCP or UDP connection of the first frame (IPv4 or IPv6, behind at most one VLAN tag), nil for others.
    public var tuple: FrameTuple? { frames.first.flatMap(Frames.tuple) }
}

/// bpfgate's standard inputs: Ethernet frames from 10.11.0.1 / fd00:11::1 to 10.12.0.2 / fd00:12::2 with TTL 64, so a
/// forwarding program finds a route in the namespace test runs happen in (`TestRunNamespace`: 10.12.0.0/16 and
/// fd00:12::/48 via a permanent neighbour); checksums are valid.
public enum Frames {
    public static let sourceMAC: [UInt8] = [0x02, 0, 0, 0, 0x11, 0x01]
    public static let destinationMAC: [UInt8] = [0x02, 0, 0, 0, 0x11, 0x02]
    public static let source4: [UInt8] = [10, 11, 0, 1], destination4: [UInt8] = [10, 12, 0, 2]
    public static let source6: [UInt8] = [0xfd, 0, 0, 0x11] + [UInt8](repeating: 0, count: 11) + [1]
    public static let destination6: [UInt8] = [0xfd, 0, 0, 0x12] + [UInt8](repeating: 0, count: 11) + [2]
    public static let sourcePort: UInt16 = 12345
    /// A Fibonacci number (bpfgate's demo classifier passes it) and a common service port.
    public static let udpPort: UInt16 = 6765, tcpPort: UInt16 = 80

    public static let standard: [TestInput] = [
        TestInput(name: "ipv4-udp", frames: [ethernet(0x0800, ipv4(proto: 17, l4: udp(payload: 18)))]),
        TestInput(name: "ipv4-tcp", frames: [ethernet(0x0800, ipv4(proto: 6, l4: tcp(payload: 6)))]),
        TestInput(name: "ipv4-icmp", frames: [ethernet(0x0800, ipv4(proto: 1, l4: icmpEcho()))]),
        TestInput(name: "ipv6-udp", frames: [ethernet(0x86dd, ipv6(next: 17, l4: udp(payload: 18)))]),
        TestInput(name: "ipv6-tcp", frames: [ethernet(0x86dd, ipv6(next: 6, l4: tcp(payload: 6)))]),
        TestInput(name: "vlan-ipv4-udp", frames: [vlan(100, 0x0800, ipv4(proto: 17, l4: udp(payload: 14)))]),
        TestInput(name: "arp", frames: [ethernet(0x0806, arpRequest())]),
        TestInput(name: "non-ip", frames: [ethernet(0x88b5, [UInt8](repeating: 0x5a, count: 46))]),
    ]

    /// The input of the kinds that take a zeroed context instead of a frame (`TestRunKind.zeroContext`).
    public static let zeroContext = TestInput(name: "zero-context", frames: [], note: "a zeroed context (raw_tp: 12 zero arguments)")

    static func ethernet(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        pad(destinationMAC + sourceMAC + be16(type) + payload)
    }

    static func vlan(_ id: UInt16, _ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        pad(destinationMAC + sourceMAC + be16(0x8100) + be16(id) + be16(type) + payload)
    }

    /// Ethernet's minimum (60 bytes without the FCS).
    static func pad(_ frame: [UInt8]) -> [UInt8] { frame + [UInt8](repeating: 0, count: max(0, 60 - frame.count)) }

    static func ipv4(proto: UInt8, l4 body: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x45, 0] + be16(UInt16(20 + body.count)) + [0x12, 0x34, 0x40, 0] + [64, proto, 0, 0] + source4 + destination4
        let sum = checksum(h)
        h[10] = UInt8(sum >> 8); h[11] = UInt8(sum & 0xff)
        return h + withChecksum(body, proto: proto, v6: false)
    }

    static func ipv6(next: UInt8, l4 body: [UInt8]) -> [UInt8] {
        return [0x60, 0, 0, 0] + be16(UInt16(body.count)) + [next, 64] + source6 + destination6 + withChecksum(body, proto: next, v6: true)
    }

    static func udp(payload: Int) -> [UInt8] {
        be16(sourcePort) + be16(udpPort) + be16(UInt16(8 + payload)) + [0, 0] + [UInt8](repeating: 0x42, count: payload)
    }

    static func tcp(payload: Int) -> [UInt8] {
        // ACK|PSH, window 502, 20-byte header.
        be16(sourcePort) + be16(tcpPort) + [0, 0, 0x10, 0x01, 0, 0, 0x20, 0x02, 0x50, 0x18, 0x01, 0xf6, 0, 0, 0, 0]
            + [UInt8](repeating: 0x42, count: payload)
    }

    static func icmpEcho() -> [UInt8] {
        var m: [UInt8] = [8, 0, 0, 0, 0x00, 0x01, 0x00, 0x01] + [UInt8](repeating: 0x61, count: 18)
        let sum = checksum(m)
        m[2] = UInt8(sum >> 8); m[3] = UInt8(sum & 0xff)
        return m
    }

    static func arpRequest() -> [UInt8] {
        // Who has 10.13.0.2? Tell 10.13.0.1.
        be16(1) + be16(0x0800) + [6, 4] + be16(1) + sourceMAC + [10, 13, 0, 1] + [UInt8](repeating: 0, count: 6) + [10, 13, 0, 2]
    }

    /// The TCP or UDP checksum over the pseudo-header, filled in (ICMP's is its own, done by `icmpEcho`).
    static func withChecksum(_ l4: [UInt8], proto: UInt8, v6: Bool) -> [UInt8] {
        let offset: Int
        switch proto {
        case 17: offset = 6
        case 6: offset = 16
        default: return l4
        }
        let pseudo = v6 ? source6 + destination6 + be16(0) + be16(UInt16(l4.count)) + [0, 0, 0, proto]
            : source4 + destination4 + [0, proto] + be16(UInt16(l4.count))
        var out = l4
        var sum = checksum(pseudo + l4)
        if proto == 17 && sum == 0 { sum = 0xffff }
        out[offset] = UInt8(sum >> 8); out[offset + 1] = UInt8(sum & 0xff)
        return out
    }

    /// The Internet checksum (RFC 1071) of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    /// The TCP or UDP connection an Ethernet frame carries (IPv4 or IPv6, behind at most one VLAN tag).
    public static func tuple(_ f: [UInt8]) -> FrameTuple? {
        func u16(_ i: Int) -> UInt16? { i + 1 < f.count ? UInt16(f[i]) << 8 | UInt16(f[i + 1]) : nil }
        guard var type = u16(12) else { return nil }
        var l3 = 14
        if type == 0x8100 || type == 0x88a8 {
            guard let inner = u16(16) else { return nil }
            type = inner
            l3 = 18
        }
        let proto: UInt8, src: [UInt8], dst: [UInt8], l4: Int
        switch type {
        case 0x0800:
            guard l3 + 20 <= f.count else { return nil }
            proto = f[l3 + 9]
            src = Array(f[l3 + 12 ..< l3 + 16]); dst = Array(f[l3 + 16 ..< l3 + 20])
            l4 = l3 + Int(f[l3] & 0x0f) * 4
        case 0x86dd:
            guard l3 + 40 <= f.count else { return nil }
            proto = f[l3 + 6]
            src = Array(f[l3 + 8 ..< l3 + 24]); dst = Array(f[l3 + 24 ..< l3 + 40])
            l4 = l3 + 40
        default:
            return nil
        }
        guard proto == 6 || proto == 17, let sport = u16(l4), let dport = u16(l4 + 2) else { return nil }
        return FrameTuple(proto: proto, source: src, sourcePort: sport, destination: dst, destinationPort: dport)
    }
}

/// A classic libpcap capture file of Ethernet frames (`tcpdump -w`): either byte order, micro- or nanosecond stamps.
public enum PcapFile {
    /// Why a capture cannot be used.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The first `limit` frames of a capture (each as captured: a truncated capture gives its captured bytes).
    public static func frames(_ bytes: [UInt8], limit: Int) throws -> (frames: [[UInt8]], total: Int) {
        guard bytes.count >= 24 else { throw Problem(description: "is not a pcap file (\(bytes.count) bytes, shorter than its header)") }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        let little: Bool
        switch magic {
        case 0xa1b2_c3d4, 0xa1b2_3c4d: little = true
        case 0xd4c3_b2a1, 0x4d3c_b2a1: little = false
        case 0x0a0d_0d0a: throw Problem(description: "is pcapng; save it as pcap (editcap -F pcap IN OUT, or tcpdump -w)")
        default: throw Problem(description: "is not a pcap file (magic 0x\(String(magic, radix: 16)))")
        }
        func u32(_ i: Int) -> UInt32 {
            let b = bytes[i ..< i + 4].map(UInt32.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let linkType = u32(20) & 0x0fff_ffff
        guard linkType == 1 else { throw Problem(description: "has link type \(linkType); bpfgate feeds Ethernet frames (link type 1)") }
        var frames: [[UInt8]] = [], total = 0, at = 24
        while at < bytes.count {
            guard at + 16 <= bytes.count else { throw Problem(description: "is truncated in the header of packet \(total + 1)") }
            let captured = Int(u32(at + 8))
            guard captured <= 262_144, at + 16 + captured <= bytes.count else {
                throw Problem(description: "is truncated in packet \(total + 1) (\(captured) bytes captured)")
            }
            if captured >= 14 {
                total += 1
                if frames.count < limit { frames.append(Array(bytes[at + 16 ..< at + 16 + captured])) }
            }
            at += 16 + captured
        }
        guard total > 0 else { throw Problem(description: "holds no Ethernet frame") }
        return (frames, total)
    }
}
