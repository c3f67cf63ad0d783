import CorpusObjects
import Foundation
import Results
import Testing

/// Your packet programs timed by BPF_PROG_TEST_RUN: one result per standard input and per capture, in bpfgate's own
/// namespace (a forwarding program finds its route there), and same-run A/B per input.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load programs; in CI this never skips"))
struct TestRunCLITests {
    static let programs = ["xdp_fwd/xdp_fwd_prog", "flow_dissector/dissect", "sk_lookup/dispatch", "xdp_counter/xdp_stats1_func",
                           "xdp_counter/xdp_pass_func", "sockfilter/socket_handler", "sockfilter/tc_ingress"]
    static let standard = ["ipv4-udp", "ipv4-tcp", "ipv4-icmp", "ipv6-udp", "ipv6-tcp", "vlan-ipv4-udp", "arp", "non-ip"]
    /// A capture of an IPv4 UDP frame, an ARP request and an IPv6 TCP frame (ci/fixtures/make_test_input_fixtures.py).
    static let capture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../GateTests/Golden/capture-le-usec.pcap").standardized.path

    static func objects(_ names: [String], in dir: URL) throws -> [String] {
        try Corpus.write(try names.map { (name: $0, object: try #require(Corpus.named($0))) }, to: dir)
    }

    @Test func everyPacketProgram_getsAResultPerInput() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try Self.objects(["xdp_fwd", "flow_dissector", "sk_lookup", "xdp_counter", "sockfilter"], in: dir.appendingPathComponent("objects"))
        let results = dir.appendingPathComponent("results.json").path
        let r = try Invocation.run(["run"] + paths.flatMap { ["--object", $0] } + ["--filter", "/test-run/", "--samples", "4", "--pcap", Self.capture,
                                    "--quiet", "--results", results, "--output", dir.appendingPathComponent("bmf.json").path])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        let byName = Dictionary(file.benchmarks.map { ($0.name, $0) }) { a, _ in a }
        for program in Self.programs {
            // sk_lookup takes a connection: inputs without TCP or UDP have none to give it.
            let inputs = program.hasPrefix("sk_lookup/") ? ["ipv4-udp", "ipv4-tcp", "ipv6-udp", "ipv6-tcp", "vlan-ipv4-udp"] : Self.standard
            for input in inputs + ["pcap-capture-le-usec"] {
                let name = "object/\(program)/test-run/\(input)"
                let b = try #require(byName[name], "\(name) missing")
                let latency = try #require(b.measure("latency"))
                #expect(latency.status == .ok && latency.samples.count == 4, "\(name): \(latency.status)")
                #expect(latency.samples.allSatisfy { $0 > 1 && $0 < 100_000 }, "\(name): \(latency.samples)")
                let hasProbe = !program.hasPrefix("sk_lookup/") && !program.hasPrefix("flow_dissector/")
                #expect(b.reference == (hasProbe ? "object/\(program)/test-run/reference" : nil), "\(name)")
            }
        }
        func note(_ name: String) -> String { byName["object/\(name)"]?.notes.first ?? "" }
        // The namespace's routes and neighbours: the forwarding program finds its next hop and redirects.
        for input in ["ipv4-udp", "ipv4-tcp", "ipv6-udp", "ipv6-tcp"] {
            #expect(note("xdp_fwd/xdp_fwd_prog/test-run/\(input)").hasPrefix("returns XDP_REDIRECT; rewrites the packet"), "\(input)")
        }
        #expect(note("xdp_fwd/xdp_fwd_prog/test-run/arp").hasPrefix("returns XDP_PASS"))
        #expect(note("xdp_fwd/xdp_fwd_prog/test-run/non-ip").contains("runs per call"), "a packet it leaves as it is repeats in the kernel")
        #expect(note("flow_dissector/dissect/test-run/arp").hasPrefix("returns BPF_DROP"))
        #expect(note("flow_dissector/dissect/test-run/ipv6-tcp").hasPrefix("returns BPF_OK"))
        #expect(note("sk_lookup/dispatch/test-run/ipv4-tcp").hasPrefix("returns SK_PASS"))
        #expect(byName["object/xdp_fwd/xdp_fwd_prog/test-run/pcap-capture-le-usec"]?.notes.contains { $0.hasSuffix("3 frames") } == true)
        // The forwarded path costs more than the frames the program passes at once.
        let median = { (n: String) in byName["object/xdp_fwd/xdp_fwd_prog/test-run/\(n)"]?.measure("latency")?.samples.sorted()[2] ?? 0 }
        #expect(median("ipv4-udp") > median("non-ip") * 1.5, "\(median("ipv4-udp")) vs \(median("non-ip"))")
        #expect(file.run.settings["test-run.inputs"]?.hasSuffix(Self.capture) == true)
        #expect(try KernelState.settled(like: before) == before)
    }

    /// Raw tracepoint programs run once per call on 12 zero arguments (the kernel does not repeat them), against
    /// probe_raw_tp on the same context; they take none of the frames.
    @Test func rawTracepoints_runOnAZeroedContext() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try Self.objects(["softirqs"], in: dir)
        let results = dir.appendingPathComponent("results.json").path
        let r = try Invocation.run(["run", "--object", paths[0], "--filter", "/test-run/", "--samples", "4", "--quiet", "--results", results,
                                    "--output", dir.appendingPathComponent("bmf.json").path])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        #expect(Set(file.benchmarks.map(\.name)) == Set(["softirq_entry", "softirq_exit"].flatMap {
            ["object/softirqs/\($0)/test-run/zero-context", "object/softirqs/\($0)/test-run/reference"]
        }), "tp_btf programs are not test-run, raw_tp ones take no frame: \(file.benchmarks.map(\.name))")
        for program in ["softirq_entry", "softirq_exit"] {
            let b = try #require(file.benchmarks.first { $0.name == "object/softirqs/\(program)/test-run/zero-context" })
            #expect(b.measure("latency")?.status == .ok, "\(program)")
            #expect(b.notes.first?.contains("calls of one run (the kernel does not repeat it)") == true, "\(b.notes)")
        }
        #expect(try KernelState.settled(like: before) == before)
    }

    @Test func abPerInput_catchesTheForwardingPathsSlowDown() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = dir.appendingPathComponent("base"), head = dir.appendingPathComponent("head")
        let paths = try Self.objects(["xdp_fwd"], in: base)
        try Corpus.write([(name: "xdp_fwd", object: try #require(Corpus.named("xdp_fwd_slow")))], to: head)
        let verdict = dir.appendingPathComponent("verdict.json").path
        let r = try Invocation.run(["check", "--base-objects", base.path, "--head-objects", head.path, "--object", paths[0], "--suite", "objects",
                                    "--filter", "/test-run/", "--samples", "30", "--verdict", verdict])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        let findings = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: verdict))) as? [String: Any])?["findings"] as? [[String: Any]])
        let verdicts = Dictionary(findings.compactMap { f in (f["benchmark"] as? String).map { ($0, f["verdict"] as? String ?? "") } }) { a, _ in a }
        #expect(verdicts.count == Self.standard.count, "\(verdicts)")
        // The slow variant keeps per-flow byte counts of what it forwards: the frames it passes cost the same.
        for input in ["ipv4-udp", "ipv4-tcp", "ipv6-udp", "ipv6-tcp"] {
            #expect(verdicts["object/xdp_fwd/xdp_fwd_prog/test-run/\(input)"] == "regression", "\(input): \(r.stdout)")
        }
        for input in ["arp", "non-ip", "vlan-ipv4-udp"] {
            #expect(verdicts["object/xdp_fwd/xdp_fwd_prog/test-run/\(input)"] == "unchanged", "\(input): \(r.stdout)")
        }
        #expect(try KernelState.settled(like: before) == before)
    }

    @Test func badCaptures_oneLine_distinctExits() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try Self.objects(["xdp_counter"], in: dir)
        let pcapng = URL(fileURLWithPath: Self.capture).deletingLastPathComponent().appendingPathComponent("capture.pcapng").path
        let results = dir.appendingPathComponent("results.json").path
        let bad = try Invocation.run(["run", "--object", paths[0], "--pcap", pcapng, "--filter", "/test-run/", "--results", results])
        #expect(bad.status == 65, "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("pcapng"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: results), "no half-written results")
        let missing = try Invocation.run(["run", "--object", paths[0], "--pcap", dir.appendingPathComponent("none.pcap").path])
        #expect(missing.status == 64, "\(missing.stderr)")
    }
}
