import BPFCatalog
import Foundation
import Testing

/// bpfgate's standard test-run inputs and its pcap reader, against frames and captures made independently in Python
/// (`ci/fixtures/make_test_input_fixtures.py`, Golden/).
struct TestInputTests {
    static func golden(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func standardFrames_matchTheReference() throws {
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(Self.golden("test-inputs.json"))) as? [String: String])
        #expect(Set(Frames.standard.map(\.name)) == Set(reference.keys))
        for input in Frames.standard {
            #expect(input.frames.count == 1)
            #expect(Self.hex(input.frames[0]) == reference[input.name], "\(input.name)")
            #expect(input.frames[0].count >= 60, "\(input.name): shorter than Ethernet's minimum")
        }
    }

    @Test func checksums_verify() throws {
        // A header with its checksum in place sums to zero.
        let frame = try #require(Frames.standard.first { $0.name == "ipv4-udp" }).frames[0]
        #expect(Frames.checksum(Array(frame[14 ..< 34])) == 0)
        #expect(frame[22] == 64, "TTL > 1, so forwarding programs look up the route")
    }

    @Test func tuples_comeFromTheHeaders() throws {
        let byName = Dictionary(uniqueKeysWithValues: Frames.standard.map { ($0.name, $0) })
        let v4 = try #require(byName["ipv4-tcp"]?.tuple)
        #expect(v4 == FrameTuple(proto: 6, source: [10, 11, 0, 1], sourcePort: 12345, destination: [10, 12, 0, 2], destinationPort: 80))
        let v6 = try #require(byName["ipv6-udp"]?.tuple)
        #expect(v6.proto == 17 && v6.source.count == 16 && v6.destinationPort == 6765)
        #expect(byName["vlan-ipv4-udp"]?.tuple?.destinationPort == 6765, "behind the VLAN tag")
        for name in ["arp", "non-ip", "ipv4-icmp"] { #expect(byName[name]?.tuple == nil, "\(name)") }
        #expect(Frames.tuple([0x08, 0x00]) == nil, "a frame shorter than its headers")
    }

    @Test func pcap_eitherByteOrder_skipsRunts() throws {
        let le = try PcapFile.frames(Self.golden("capture-le-usec.pcap"), limit: 64)
        let names = Dictionary(uniqueKeysWithValues: Frames.standard.map { ($0.name, $0.frames[0]) })
        #expect(le.total == 3 && le.frames == [names["ipv4-udp"], names["arp"], names["ipv6-tcp"]].compactMap { $0 })
        let be = try PcapFile.frames(Self.golden("capture-be-nsec.pcap"), limit: 64)
        #expect(be.total == 2, "the 2-byte packet is no Ethernet frame")
        #expect(be.frames == [names["ipv4-tcp"], names["non-ip"]].compactMap { $0 })
        let first = try PcapFile.frames(Self.golden("capture-le-usec.pcap"), limit: 1)
        #expect(first.frames.count == 1 && first.total == 3)
    }

    @Test func pcap_refusals_sayWhy() throws {
        func problem(_ bytes: [UInt8]) -> String {
            do { _ = try PcapFile.frames(bytes, limit: 64); return "accepted" } catch { return "\(error)" }
        }
        #expect(problem(try Self.golden("capture.pcapng")).contains("pcapng"))
        #expect(problem(try Self.golden("capture-linux-sll.pcap")).contains("link type 113"))
        let whole = try Self.golden("capture-le-usec.pcap")
        #expect(problem(Array(whole.prefix(whole.count - 5))).contains("truncated in packet 3"))
        #expect(problem(Array(whole.prefix(30))).contains("truncated in the header of packet 1"))
        #expect(problem(Array(whole.prefix(24))).contains("no Ethernet frame"))
        #expect(problem([1, 2, 3]).contains("not a pcap file"))
        #expect(problem([UInt8](repeating: 0x41, count: 40)).contains("not a pcap file"))
    }

    @Test func kinds_fromLibbpfTypes_andReturnValues() {
        #expect(TestRunKind(programType: "xdp", section: "xdp") == .xdp)
        #expect(TestRunKind(programType: "unspec", section: "xdp_stats1") == .xdp, "libbpf leaves the old convention untyped")
        #expect(TestRunKind(programType: "sk_lookup", section: "sk_lookup") == .skLookup)
        #expect(TestRunKind(programType: "tracepoint", section: "tp/syscalls/sys_enter_openat") == nil)
        #expect(TestRunKind(programType: "xdp", section: "xdp/devmap") == nil && TestRunKind(programType: "xdp", section: "xdp.frags/cpumap") == nil)
        #expect(TestRunKind.xdp.describe(returnValue: 4) == "XDP_REDIRECT")
        #expect(TestRunKind.schedCLS.describe(returnValue: 2) == "TC_ACT_SHOT")
        #expect(TestRunKind.schedCLS.describe(returnValue: UInt32.max) == "TC_ACT_UNSPEC")
        #expect(TestRunKind.xdp.describe(returnValue: 77) == "77")
        #expect(TestRunKind.skLookup.referenceHook == nil && TestRunKind.schedACT.referenceHook == .tc)
    }
}
