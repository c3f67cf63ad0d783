import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness
import Results

/// Settings of your packet programs' test runs.
public struct TestRunConfig: Sendable {
    public var samples = 20
    public var warmup = 2
    /// A/B: loads of each side, rotated through round by round (where the JIT puts the code moves its speed).
    public var abLoads = 16
    /// Nanoseconds of program runs one BPF_PROG_TEST_RUN call is sized for (its repeat count, per input).
    public var callNanoseconds = 1_000_000.0
    public var maxRepeat = 1_000_000
    /// Your captures (`--pcap FILE`): each is one input, its first `pcapFrames` frames.
    public var pcaps: [String] = []
    public var pcapFrames = 64
    public init() {}

    public var settings: [String: String] {
        ["test-run.samples": String(samples), "test-run.ab-loads": String(abLoads),
         "test-run.timing": "BPF_PROG_TEST_RUN in bpfgate's own network namespace, repeat sized for ~\(Int(callNanoseconds / 1000)) us of runs; "
             + "bpf_stats run_time_ns / run_cnt per call",
         "test-run.inputs": (Frames.standard.map(\.name) + pcaps).joined(separator: " ")]
    }
}

/// One packet program of yours timed by BPF_PROG_TEST_RUN: `object/<object>/<program>/test-run/<input>`.
public struct TestRunCase: Sendable {
    public let object: String
    public let program: String
    public let section: String
    public let kind: TestRunKind
    public var source: ObjectSource
    public var rodata: [String: Int64] = [:]
    public var maxEntries: [String: Int] = [:]

    public var prefix: BenchmarkName { BenchmarkName(["object", object, program, "test-run"]) }
    public func name(_ input: TestInput) -> String { prefix.appending(input.name).description }
    /// The kind's counting probe test-run on the same inputs in the same rounds (mean over the inputs).
    public var referenceName: String? { kind.referenceHook == nil ? nil : prefix.reference.description }

    /// What one call gets for `input`: the frames as packet data, or (sk_lookup) a context per frame's connection;
    /// nil when the input has nothing this kind reads (sk_lookup of an ARP frame).
    func runs(_ input: TestInput) -> [(data: [UInt8], context: [UInt8])]? {
        if let zeros = kind.zeroContext { return input.frames.isEmpty ? [([], zeros)] : nil }
        if input.frames.isEmpty { return nil }
        if kind.takesFrame { return input.frames.map { ($0, []) } }
        let contexts = input.frames.compactMap(Frames.tuple).map {
            BPFProgram.skLookupContext(protocol: $0.proto, remote: $0.source, remotePort: $0.sourcePort, local: $0.destination, localPort: $0.destinationPort)
        }
        return contexts.isEmpty ? nil : contexts.map { ([], $0) }
    }
}

/// Times your packet programs by BPF_PROG_TEST_RUN over bpfgate's standard inputs and your captures, one result per
/// input, in the namespace of `TestRunNamespace` (routes and neighbours of its own), pinned to one CPU, with the
/// kind's counting probe test-run in the same rounds. A sample is the program's ns per run as bpf_stats counts it
/// across one call of `repeat` runs (see `XDPDemoSuite`: the test run's `duration` is whole nanoseconds).
public struct TestRunBench {
    public let config: TestRunConfig
    public init(config: TestRunConfig) { self.config = config }

    /// The standard inputs and your captures; an unreadable capture is bad input (exit 65).
    public func inputs() throws -> [TestInput] {
        try Frames.standard + [Frames.zeroContext] + config.pcaps.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw BadInputError(path: path, problem: "cannot be read") }
            do {
                let (frames, total) = try PcapFile.frames([UInt8](data), limit: config.pcapFrames)
                let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let note = total > frames.count ? "\(path): its first \(frames.count) of \(total) frames" : "\(path): \(total) frames"
                return TestInput(name: "pcap-" + Naming.slug(stem), frames: frames, note: note)
            } catch let p as PcapFile.Problem {
                throw BadInputError(path: path, problem: p.description)
            }
        }
    }

    public func plan(_ cases: [TestRunCase]) throws -> [(name: String, measure: Measure)] {
        let inputs = try inputs()
        return cases.flatMap { c in inputs.filter { c.runs($0) != nil }.map { (c.name($0), Measure.latency) } + (c.referenceName.map { [($0, .latency)] } ?? []) }
    }

    public func run(_ cases: [TestRunCase], include: (String) -> Bool, progress: (String) -> Void) throws -> [BenchmarkResult] {
        let inputs = try inputs()
        let wanted = cases.filter { c in inputs.contains { include(c.name($0)) } || c.referenceName.map(include) == true }
        guard !wanted.isEmpty else { return [] }
        try Privileges.current().require(.loadPrograms)
        return try inNamespace {
            try wanted.flatMap { c in try measure(c, inputs: inputs.filter { c.runs($0) != nil && include(c.name($0)) }, include: include, progress: progress) }
        }
    }

    /// bpf_stats on, this thread pinned to one CPU and inside the namespace, for `body`. Not the measuring thread: the
    /// runs' own time (bpf_stats) does not see the descriptor table the test-run call looks the program up in.
    func inNamespace<T>(_ body: () throws -> T) throws -> T {
        // Made in the process's fd table (its devices are set up by `ip` children), then entered by this thread alone.
        let ns = try TestRunNamespace()
        defer { ns.close() }
        let stats = try StatsSession()
        defer { stats.close() }
        let pin = CPUPin()
        defer { pin.restore() }
        return try ns.inside(body)
    }

    func measure(_ c: TestRunCase, inputs: [TestInput], include: (String) -> Bool, progress: (String) -> Void) throws -> [BenchmarkResult] {
        progress("\(c.prefix): \(config.samples) samples of \(inputs.count) inputs by BPF_PROG_TEST_RUN")
        let target: TestRunTarget
        switch TestRunTarget.load(c, source: c.source) {
        case let .success(t): target = t
        case let .failure(e):
            return inputs.map { BenchmarkResult(name: c.name($0), suite: ObjectSuite.name, measures: [.without(.latency, .failed(e.description))]) }
        }
        let reference = try c.kind.referenceHook.map { try TestRunTarget(probe: $0) }
        var results: [BenchmarkResult] = []
        var timed: [(input: TestInput, runs: [(data: [UInt8], context: [UInt8])], repeat: Repeat, retval: UInt32)] = []
        for input in inputs {
            guard let runs = c.runs(input) else { continue }
            switch Result(catching: { try calibrate(target, runs, kind: c.kind) }) {
            case let .success(first):
                timed.append((input, runs, first.repeat, first.retval))
            case let .failure(e):
                if let b = e as? BPFError, b.isPermissionDenied { throw e }
                results.append(BenchmarkResult(name: c.name(input), suite: ObjectSuite.name, measures: [.without(.latency, .failed("test run: \(e)"))]))
            }
        }
        var samples = [[Double]](repeating: [], count: timed.count), refSamples: [Double] = []
        for round in 0 ..< config.warmup + config.samples {
            var refTotal = 0.0
            for (i, t) in timed.enumerated() {
                // Alternate which goes first, so neither always runs on the other's warm caches.
                let programFirst = (round + i) % 2 == 0
                let refBefore = programFirst ? nil : try reference?.time(t.runs, t.repeat).ns
                let own = try target.time(t.runs, t.repeat)
                refTotal += try refBefore ?? reference?.time(t.runs, t.repeat).ns ?? 0
                timed[i].retval = own.retval
                if round >= config.warmup { samples[i].append(own.ns) }
            }
            if round >= config.warmup && !timed.isEmpty { refSamples.append(refTotal / Double(timed.count)) }
        }
        for (i, t) in timed.enumerated() {
            var r = BenchmarkResult(name: c.name(t.input), suite: ObjectSuite.name, measures: [Measure.latency.result(samples[i])],
                                    reference: reference == nil ? nil : c.referenceName)
            r.notes = ["returns \(c.kind.describe(returnValue: t.retval)); \(t.repeat)"] + (t.input.note.map { [$0] } ?? [])
            results.append(r)
        }
        if let name = c.referenceName, reference != nil, include(name), !refSamples.isEmpty {
            results.append(BenchmarkResult(name: name, suite: ObjectSuite.name, measures: [Measure.latency.result(refSamples)]))
        }
        return results
    }

    /// How `runs` are repeated: by the kernel, sized so that one call holds about `callNanoseconds` of runs; or, for a
    /// program that rewrites the packet (a test run reuses one buffer across its repeats, so a forwarding program
    /// would see its own TTL count down), one run per call on a fresh copy, as many calls. Also the first return value.
    func calibrate(_ target: TestRunTarget, _ runs: [(data: [UInt8], context: [UInt8])], kind: TestRunKind) throws -> (repeat: Repeat, retval: UInt32) {
        var rewrites = false
        for run in runs where !run.data.isEmpty && kind.mayRewrite {
            let output = try target.program.testRun(data: run.data, context: run.context, repeat: 1, keepOutput: true).output
            if output != run.data { rewrites = true }
        }
        let first = try target.time(runs, Repeat(count: 16, fresh: rewrites || !kind.repeats))
        let perCall = config.callNanoseconds / Double(max(runs.count, 1))
        if rewrites || !kind.repeats {
            // A call costs about 2 us besides the run.
            return (Repeat(count: UInt32(min(500, max(1, perCall / (first.ns + 2000)))), fresh: true, rewrites: rewrites), first.retval)
        }
        return (Repeat(count: UInt32(min(Double(config.maxRepeat), max(1, perCall / max(first.ns, 1)))), fresh: false), first.retval)
    }
}

/// How each input is repeated in one sample: `count` runs by one BPF_PROG_TEST_RUN, or (`fresh`) `count` calls of one run.
struct Repeat: CustomStringConvertible {
    let count: UInt32
    let fresh: Bool
    var rewrites = false
    var description: String {
        !fresh ? "\(count) runs per call" : rewrites ? "rewrites the packet: \(count) calls of one run on a fresh copy"
            : "\(count) calls of one run (the kernel does not repeat it)"
    }
}

/// A loaded program ready for test runs: yours (alone, prepared as its loader would) or a counting probe.
final class TestRunTarget {
    let object: BPFObject
    let program: BPFProgram

    static func load(_ c: TestRunCase, source: ObjectSource) -> Result<TestRunTarget, LoadFailure> {
        do {
            let object = try BPFObject(bytes: source.bytes, name: source.name)
            do {
                try object.prepare(c.program, rodata: c.rodata, maxEntries: c.maxEntries, section: c.section, yours: true)
                try object.load()
                return .success(TestRunTarget(object: object, program: try object.program(named: c.program)))
            } catch {
                object.close()
                throw error
            }
        } catch {
            return .failure(LoadFailure(description: "load: \(error)" + ((error as? BPFError)?.verifierTail(lines: 3) ?? "")))
        }
    }

    struct LoadFailure: Error, CustomStringConvertible { let description: String }

    init(object: BPFObject, program: BPFProgram) {
        self.object = object
        self.program = program
    }

    /// The counting probe of `hook` (bpf/probes.bpf.c), alone.
    convenience init(probe hook: Hook) throws {
        let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
        do {
            try object.autoloadOnly(hook.family.probe)
            try object.load()
            self.init(object: object, program: try object.program(named: hook.family.probe))
        } catch {
            object.close()
            throw error
        }
    }

    deinit { object.close() }

    /// Mean over `runs` of the program's ns per run as `r` repeats it, read from bpf_stats (which must be on); and
    /// the last call's return value.
    func time(_ runs: [(data: [UInt8], context: [UInt8])], _ r: Repeat) throws -> (ns: Double, retval: UInt32) {
        var total = 0.0, retval: UInt32 = 0
        for run in runs {
            total += try program.nanosecondsPerRun {
                if r.fresh {
                    // repeat 0: one run (raw_tp and syscall test runs refuse any other value).
                    for _ in 0 ..< r.count { retval = try program.testRun(data: run.data, context: run.context, repeat: 0).returnValue }
                } else {
                    retval = try program.testRun(data: run.data, context: run.context, repeat: r.count).returnValue
                }
            }
        }
        return (total / Double(max(runs.count, 1)), retval)
    }
}

extension TestRunBench {
    /// Same-run A/B: `abLoads` loads of each side, rotated through round by round; per input the two sides are timed
    /// back to back, the order alternating (ABBA), so a pair is timed within milliseconds. One pair per input.
    public func runAB(_ jobs: [(c: TestRunCase, base: ObjectSource, head: ObjectSource)], include: (String) -> Bool,
                      progress: (String) -> Void) throws -> [ABPair] {
        let inputs = try inputs()
        let wanted = jobs.filter { j in inputs.contains { include(j.c.name($0)) } }
        guard !wanted.isEmpty else { return [] }
        try Privileges.current().require(.loadPrograms)
        // One measuring process on the machine at a time, as for the attached programs.
        return try MachineLock.with("macro", waiting: progress) { try inNamespace {
            try wanted.flatMap { c, base, head -> [ABPair] in
                let mine = inputs.filter { c.runs($0) != nil && include(c.name($0)) }
                progress("\(c.prefix) A/B: \(config.samples) pairs of \(mine.count) inputs, \(config.abLoads) loads per side")
                func pairs(_ b: MeasureResult, _ h: MeasureResult, _ input: TestInput) -> ABPair {
                    // The wider band: the pairs cluster by load, as the attached programs' do (ARCHITECTURE.md, decisions).
                    ABPair(benchmark: c.name(input), suite: ObjectSuite.name, base: b, head: h, attached: true)
                }
                var bs: [TestRunTarget] = [], hs: [TestRunTarget] = []
                for _ in 0 ..< max(1, config.abLoads) {
                    switch (TestRunTarget.load(c, source: base), TestRunTarget.load(c, source: head)) {
                    case let (.success(b), .success(h)):
                        bs.append(b)
                        hs.append(h)
                    case let (b, h):
                        func status(_ r: Result<TestRunTarget, TestRunTarget.LoadFailure>, other: String) -> MeasureResult {
                            if case let .failure(e) = r { return .without(.latency, .failed(e.description)) }
                            return .without(.latency, .failed("not run: \(other) failed to load"))
                        }
                        return mine.map { pairs(status(b, other: "the head"), status(h, other: "the base"), $0) }
                    }
                }
                var out: [ABPair] = []
                for input in mine {
                    guard let runs = c.runs(input) else { continue }
                    let count: Repeat
                    do { count = try calibrate(bs[0], runs, kind: c.kind).repeat } catch {
                        if let b = error as? BPFError, b.isPermissionDenied { throw error }
                        let status = MeasureResult.without(.latency, .failed("test run: \(error)"))
                        out.append(pairs(status, status, input))
                        continue
                    }
                    var b: [Double] = [], h: [Double] = [], retvals: (UInt32, UInt32) = (0, 0)
                    do {
                        for round in 0 ..< config.warmup + config.samples {
                            let base = bs[round % bs.count], head = hs[round % hs.count]
                            let baseFirst = round % 2 == 0
                            let first = try (baseFirst ? base : head).time(runs, count)
                            let second = try (baseFirst ? head : base).time(runs, count)
                            retvals = baseFirst ? (first.retval, second.retval) : (second.retval, first.retval)
                            if round >= config.warmup {
                                b.append(baseFirst ? first.ns : second.ns)
                                h.append(baseFirst ? second.ns : first.ns)
                            }
                        }
                    } catch {
                        if let e = error as? BPFError, e.isPermissionDenied { throw error }
                        let status = MeasureResult.without(.latency, .failed("test run: \(error)"))
                        out.append(pairs(status, status, input))
                        continue
                    }
                    if retvals.0 != retvals.1 {
                        progress("\(c.name(input)): the base returns \(c.kind.describe(returnValue: retvals.0)), the head \(c.kind.describe(returnValue: retvals.1))")
                    }
                    out.append(pairs(Measure.latency.result(b), Measure.latency.result(h), input))
                }
                return out
            }
        } }
    }
}
