import BPF
import CBPFLayouts
import Foundation
import Harness
import Results
import Statistics

/// Settings of the XDP demo suite.
public struct XDPDemoConfig: Sendable {
    public var samples = 20
    public var warmup = 2
    /// BPF_PROG_TEST_RUN repeat per packet and sample.
    public var repeatCount: UInt32 = 100000
    /// Packets in the fixed set (half to Fibonacci ports, half not).
    public var packets = 4
    /// A/B: loads of each side, rotated through round by round (see `runAB`).
    public var instances = 48
    /// Calibration only: loop iterations of extra work per packet in the head program (0: none).
    public var headExtraWork: UInt32 = 0
    public init() {}

    public var settings: [String: String] {
        ["xdp-demo.samples": String(samples), "xdp-demo.warmup": String(warmup),
         "xdp-demo.repeat": String(repeatCount), "xdp-demo.packets": String(packets),
         "xdp-demo.timing": "BPF_PROG_TEST_RUN, bpf_stats run_time_ns / run_cnt per call, mean over the packets"]
            .merging(headExtraWork > 0 ? ["xdp-demo.head-extra-work": String(headExtraWork)] : [:]) { $1 }
    }
}

/// The gate's demonstration benchmark: the XDP Fibonacci classifier (bpf/xdp_fib.h) run by
/// BPF_PROG_TEST_RUN on a fixed set of UDP packets. A sample is the mean over the packets of the program's
/// ns per run as bpf_stats counts it (run_time_ns / run_cnt across each call of `repeatCount` runs): the
/// kernel's sum of every run's own time, so the mean has sub-nanosecond resolution. Not the test run's
/// `duration` (whole ns, truncated; too steady here to dither, see ARCHITECTURE.md 2026-11-30) and not
/// user-space time around the call (with repeat > 1 the kernel swaps the XDP dispatcher in and out around
/// the runs, milliseconds per call). The reference (an XDP program that only counts, bpf/probes.bpf.c) is
/// timed the same way in every round.
public struct XDPDemoSuite {
    public static let name = SuiteName.xdpDemo.rawValue
    public static let benchmark = "xdp/demo/fib-classifier"
    public static let reference = "xdp/demo/reference-pass"
    public static let objectName = "xdp_demo"
    public let config: XDPDemoConfig
    /// Where the demo object comes from (built in, or `--objects DIR`), and that directory, for the record.
    public var source: ObjectSource
    public var objectDirectory: String?

    public init(config: XDPDemoConfig, source: ObjectSource = .embedded(XDPDemoSuite.objectName)!, objectDirectory: String? = nil) {
        self.config = config
        self.source = source
        self.objectDirectory = objectDirectory
    }

    public func plan() -> [(name: String, measure: Measure)] {
        [(Self.benchmark, .latency), (Self.reference, .latency)]
    }

    /// One program, loaded from `source`, with the reference interleaved.
    public func run(source: ObjectSource, include: (String) -> Bool = { _ in true }, progress: (String) -> Void = { _ in })
        throws -> [BenchmarkResult]
    {
        guard include(Self.benchmark) || include(Self.reference) else { return [] }
        try Privileges.current().require(.loadPrograms)
        progress("xdp/demo: \(config.samples) samples of \(config.packets) packets x \(config.repeatCount) runs")
        let packets = Self.packets(count: config.packets)
        let reference = try DemoProgram(source: ObjectSource.embedded("probes")!, program: "probe_xdp", extraWork: 0)
        let demo: DemoProgram
        do {
            demo = try DemoProgram(source: source, program: "xdp_fib", extraWork: config.headExtraWork)
        } catch let error as BPFError where !error.isPermissionDenied {
            return [BenchmarkResult(name: Self.benchmark, suite: Self.name, measures: [.without(.latency, .failed("\(error)"))])]
        }
        let stats = try StatsSession()
        defer { stats.close() }
        let pin = CPUPin()
        defer { pin.restore() }
        var demoSamples: [Double] = [], refSamples: [Double] = []
        for round in 0 ..< config.warmup + config.samples {
            // Alternate which goes first, so neither always runs on the other's warm caches.
            let first = round % 2 == 0
            let a = try (first ? demo : reference).time(packets, repeat: config.repeatCount)
            let b = try (first ? reference : demo).time(packets, repeat: config.repeatCount)
            if round >= config.warmup {
                demoSamples.append(first ? a : b)
                refSamples.append(first ? b : a)
            }
        }
        var out: [BenchmarkResult] = []
        if include(Self.benchmark) {
            out.append(BenchmarkResult(name: Self.benchmark, suite: Self.name, measures: [Measure.latency.result(demoSamples)],
                                       reference: Self.reference))
        }
        if include(Self.reference) {
            out.append(BenchmarkResult(name: Self.reference, suite: Self.name, measures: [Measure.latency.result(refSamples)]))
        }
        return out
    }

    /// Base and head loaded side by side and timed in alternating pairs (ABBA): sample i of base and of
    /// head come from the same moment, so their ratio cancels the machine's drift.
    public func runAB(base: ObjectSource, head: ObjectSource, progress: (String) -> Void = { _ in }) throws
        -> (base: MeasureResult, head: MeasureResult)
    {
        try Privileges.current().require(.loadPrograms)
        progress("xdp/demo A/B: \(config.samples) pairs, base \(base.origin), head \(head.origin)")
        let packets = Self.packets(count: config.packets)
        // Each side is loaded `instances` times and the rounds rotate through them: where the JIT puts a
        // program's code shifts its speed by a few percent (alignment), which one load per side would turn
        // into a false difference.
        func load(_ source: ObjectSource, extra: UInt32) throws -> Result<[DemoProgram], Error> {
            do {
                return .success(try (0 ..< config.instances).map { _ in try DemoProgram(source: source, program: "xdp_fib", extraWork: extra) })
            } catch let e as BPFError where !e.isPermissionDenied {
                return .failure(e)
            }
        }
        let baseProgram = try load(base, extra: 0)
        let headProgram = try load(head, extra: config.headExtraWork)
        guard case let .success(bs) = baseProgram, case let .success(hs) = headProgram else {
            func status(_ r: Result<[DemoProgram], Error>) -> MeasureResult {
                if case let .failure(e) = r { return .without(.latency, .failed("\(e)")) }
                return .without(.latency, .failed("not run: the other side failed to load"))
            }
            return (status(baseProgram), status(headProgram))
        }
        // One CPU for both sides: a pair timed on two CPUs would compare the CPUs.
        let stats = try StatsSession()
        defer { stats.close() }
        let pin = CPUPin()
        defer { pin.restore() }
        var baseSamples: [Double] = [], headSamples: [Double] = []
        for round in 0 ..< config.warmup + config.samples {
            // Interleaved per packet, the order alternating (ABBA), so the two sides of a pair are timed
            // within ~20 ms of each other: this machine switches between speeds ~2x apart every few seconds.
            var baseTotal = 0.0, headTotal = 0.0
            let b = bs[round % bs.count], h = hs[round % hs.count]
            for (i, packet) in packets.enumerated() {
                if (round + i) % 2 == 0 {
                    baseTotal += try b.time([packet], repeat: config.repeatCount)
                    headTotal += try h.time([packet], repeat: config.repeatCount)
                } else {
                    headTotal += try h.time([packet], repeat: config.repeatCount)
                    baseTotal += try b.time([packet], repeat: config.repeatCount)
                }
            }
            if round >= config.warmup {
                baseSamples.append(baseTotal / Double(packets.count))
                headSamples.append(headTotal / Double(packets.count))
            }
        }
        return (Measure.latency.result(baseSamples), Measure.latency.result(headSamples))
    }

    /// Ethernet + IPv4 + UDP frames (64 bytes) to a fixed, seeded set of ports, half of them Fibonacci numbers.
    public static func packets(count: Int) -> [[UInt8]] {
        let fibs: [UInt16] = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946, 17711, 28657, 46368]
        var rng = SeededGenerator(seed: 0xf1b0)
        return (0 ..< count).map { i in
            let port: UInt16 = i % 2 == 0 ? fibs[Int(rng.next() % UInt64(fibs.count))] : UInt16(truncatingIfNeeded: rng.next() | 1) | 0x4000
            var frame = [UInt8](repeating: 0, count: 64)
            frame[12] = 0x08; frame[13] = 0x00                       // EtherType IPv4
            frame[14] = 0x45; frame[16] = 0; frame[17] = 50          // version/IHL, total length 50
            frame[22] = 64; frame[23] = 17                           // TTL, protocol UDP
            frame[26 ..< 30] = [10, 0, 0, 1]; frame[30 ..< 34] = [10, 0, 0, 2]
            frame[34] = 0x30; frame[35] = 0x39                       // source port 12345
            frame[36] = UInt8(port >> 8); frame[37] = UInt8(port & 0xff)
            frame[38] = 0; frame[39] = 30                            // UDP length
            return frame
        }
    }
}

/// One loaded XDP program of the demo (or the reference), ready for BPF_PROG_TEST_RUN.
final class DemoProgram {
    let object: BPFObject
    let program: BPFProgram

    init(source: ObjectSource, program name: String, extraWork: UInt32) throws {
        object = try BPFObject(bytes: source.bytes, name: source.name)
        try object.autoloadOnly(name)
        try object.load()
        program = try object.program(named: name)
        if extraWork > 0 { try object.map(named: "demo_cfg").update(UInt32(0), demo_config(extra_work: extraWork, pad: 0)) }
    }

    deinit { object.close() }

    /// Mean over `packets` of the program's ns per run, each packet run `repeat` times by one
    /// BPF_PROG_TEST_RUN, read from bpf_stats (run_time_ns / run_cnt, which must be on): the sum of every
    /// run's own time, not the test run's whole-ns `duration`.
    func time(_ packets: [[UInt8]], repeat count: UInt32) throws -> Double {
        var total = 0.0
        for packet in packets {
            total += try program.nanosecondsPerRun { _ = try program.testRun(input: packet, repeat: count) }
        }
        return total / Double(packets.count)
    }
}
