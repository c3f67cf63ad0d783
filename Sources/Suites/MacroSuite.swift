import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness
import Results

/// A program of the macro suite on one hook, driven by one kind of traffic.
public struct MacroCase: Sendable {
    /// Benchmark name segment of the program, e.g. `count`, `map-heavy`.
    public let program: String
    /// The hook's family: how it attaches, whether this machine may lack it, its segment in the name.
    public let attach: Hook
    /// Embedded object and the C function in it.
    public let object: String
    public let function: String
    public var traffic: TrafficKind
    /// Your program on an event no table knows: the workload is found at run time (`Discovery`).
    public var discover = false
    /// The counting program of `bpf/probes.bpf.c` for the same hook, attached to this program's own target
    /// (`ReferenceTarget`) and timed in alternating windows of the same run: the reference the gate divides
    /// latency by (nil for the counting programs themselves).
    public var reference: String? = nil
    /// Event submission programs: the map a consumer reads while the program runs, and its kind.
    public var consumer: (map: String, kind: EventConsumer.Kind)? = nil
    /// The user's own object (suite `objects`); nil: the embedded object named `object`.
    public var source: ObjectSource? = nil
    /// The program's ELF section (your objects; nil: bpfgate's own).
    public var section: String? = nil
    /// Your declaration's `.rodata` values, set before every load (your objects).
    public var rodata: [String: Int64] = [:]
    /// Your declaration's map sizes, set before every load (your objects).
    public var maxEntries: [String: Int] = [:]
    /// Sibling programs of the same object loaded and attached with this one for the whole benchmark, as the tool
    /// runs them (`--together`); not timed here, each has its own benchmark.
    public var companions: [String] = []
    /// Your uprobe's or USDT program's target (declared or from its section); nil: bpfgate's own.
    public var probeTarget: ProbeTarget? = nil
    /// The user's own command as the traffic (instead of `traffic`'s generator), bounded in seconds.
    public var command: (argv: [String], seconds: Double)? = nil
    /// Traffic threads (nil: the suite's setting).
    public var threads: Int? = nil
    /// The generator stops after this many events (nil: at the benchmark's deadline only); tests starve
    /// windows with it.
    var maxEvents: UInt64? = nil
    /// The suite and the name prefix of the results.
    public var suite = MacroSuite.name
    public var prefix = "macro"

    /// Benchmark name segment of the hook, e.g. `tracepoint`, `tp-btf`.
    public var hook: String { attach.slug }
    public var name: String { BenchmarkName.attached(prefix: prefix, program: program, hook: hook).description }
    var trafficDescription: String { command.map { "command '\($0.argv.joined(separator: " "))'" } ?? traffic.rawValue }
    public var referenceName: String? { reference.map { _ in BenchmarkName(parsing: name).reference.description } }
}

/// Real programs attached to real hooks under traffic bpfgate makes itself, measured by the kernel's own
/// accounting (bpf_stats), with the cost they add to the workload and what they cost to load and keep.
///
/// Per benchmark: load the program `loads` times (load-ns; verified instructions, jited bytes and the
/// memlock of its maps from the last load), attach it, start the traffic, then `samples` windows with
/// bpf_stats on (latency = delta run_time_ns / delta run_cnt), then `samples` ABBA pairs of windows with
/// bpf_stats off, the program attached in one and detached in the other (overhead per event
/// 1/rate_with - 1/rate_without, overhead %, throughput = rate with the program).
public struct MacroSuite {
    public static let name = SuiteName.macro.rawValue
    public let config: MacroConfig
    /// The gate's XDP demo object from `--objects DIR` (nil: built in), and that directory, for the record.
    public var demo: ObjectSource?
    public var objectDirectory: String?

    public init(config: MacroConfig, demo: ObjectSource? = nil, objectDirectory: String? = nil) {
        self.config = config
        self.demo = demo
        self.objectDirectory = objectDirectory
    }

    /// Event sizes of the ring buffer and perf buffer programs (`bpf/macro.bpf.c`).
    public static let eventSizes = [64, 256, 1024, 4096]

    /// Every program x hook, in run order: the counting program of every hook (`Hook`), under its family's
    /// traffic, then the packet hooks under TCP, the XDP demo, the helper programs and event submission.
    public static let cases: [MacroCase] = {
        var out = Hook.allCases.map {
            MacroCase(program: "count", attach: $0, object: "probes", function: $0.family.probe, traffic: $0.family.traffic)
        }
        // The packet hooks under TCP as well (a connection over the same veth pair).
        out += Hook.allCases.filter(\.isPacket).map {
            MacroCase(program: "count-tcp", attach: $0, object: "probes", function: $0.family.probe, traffic: .tcp)
        }
        // The gate's XDP demo under real traffic (the datagrams go to port 6765, a Fibonacci number: passed).
        for object in ["xdp_demo", "xdp_demo_slow"] {
            out.append(MacroCase(program: object.replacingOccurrences(of: "_", with: "-"), attach: .xdp, object: object,
                                 function: "xdp_fib", traffic: .udp, reference: Hook.xdp.family.probe))
        }
        for function in ["map_heavy", "get_current_comm", "probe_read_kernel_str", "get_stackid"] {
            out.append(MacroCase(program: function.replacingOccurrences(of: "_", with: "-"), attach: .tracepoint, object: "macro",
                                 function: function, traffic: .getppid, reference: Hook.tracepoint.family.probe))
        }
        // Event submission, 64 B to 4 KB per getppid(), with a consumer in bpfgate.
        for kind in [EventConsumer.Kind.ringbuf, .perfbuf] {
            for size in eventSizes {
                var c = MacroCase(program: "\(kind.rawValue)-\(size)", attach: .tracepoint, object: "macro", function: "\(kind.rawValue)_\(size)",
                                  traffic: .getppid, reference: Hook.tracepoint.family.probe)
                c.consumer = ("events_\(kind.rawValue)", kind)
                out.append(c)
            }
        }
        return out
    }()

    /// A program and how to attach it (returning how to detach it).
    typealias Attachable = (BPFProgram, () throws -> () throws -> Void)

    static func cpuPercent(_ measure: Measure, _ ticks: (kernel: UInt64, total: UInt64)) -> MeasureResult {
        ticks.total > 0 ? measure.result([Double(ticks.kernel) / Double(ticks.total) * 100])
            : .without(measure, .unsupported("/proc/stat counted no CPU time in these windows"))
    }

    /// Results of a case that could not run (past `loadCost`, if it loaded): every measure says why, and so
    /// does its reference.
    static func notRun(_ c: MacroCase, _ status: Status, loadCost: [MeasureResult]? = nil) -> [BenchmarkResult] {
        let consumer: [Measure] = c.consumer == nil ? [] : [.consumedPerSecond, .dropPercent]
        let measures = loadCost.map { (runtimeMeasures + consumer).map { .without($0, status) } + $0 }
            ?? measures(of: c).map { .without($0, status) }
        return [BenchmarkResult(name: c.name, suite: c.suite, measures: measures)]
            + (c.referenceName.map { [BenchmarkResult(name: $0, suite: c.suite, measures: [.without(.latency, status)])] } ?? [])
    }

    /// Packet traffic gets a veth pair between two namespaces of its own (gone with the process), UDP or TCP.
    static func packetPath(for c: MacroCase, cgroup: OwnCgroup?) throws -> PacketPath? {
        c.traffic.isPacket ? try PacketPath(cgroup: cgroup, tcp: c.traffic == .tcp) : nil
    }

    /// Where `c`'s programs attach: bpfgate's veth pair when its traffic is packets, the reader's slot for
    /// iterators, else the host.
    static func site(_ path: PacketPath?, _ cgroup: OwnCgroup?, _ iterator: IteratorSlot?, probe: ProbeTarget? = nil) -> AttachSite {
        path.map { .packetPath($0, cgroup) } ?? iterator.map { .iterator($0) } ?? probe.map { .userProbe($0) } ?? .host
    }

    /// An iterator's reader, for a case whose workload reads an iterator.
    static func iteratorSlot(for c: MacroCase) throws -> IteratorSlot? {
        c.traffic.facts.needs.contains(.iterator) ? try IteratorSlot() : nil
    }

    /// The verifier's limit on processed instructions (BPF_COMPLEXITY_LIMIT_INSNS).
    public static let verifierLimit = 1_000_000

    /// Measures that need the program to run (the rest are known once it loads).
    static let runtimeMeasures: [Measure] = [.latency, .throughput, .overheadNanoseconds, .overheadPercent, .systemCPUPercent,
                                             .systemCPUPercentBase, .rssBytes]
    public static let measures: [Measure] = runtimeMeasures + [
        .verifiedInstructions, .verifierLimitPercent, .loadNanoseconds, .xlatedBytes, .jitedBytes, .memlockBytes,
    ]

    /// The measures of a case: every case's, plus the consumer's for event submission programs.
    static func measures(of c: MacroCase) -> [Measure] {
        c.consumer == nil ? measures : measures + [.consumedPerSecond, .dropPercent]
    }

    public func plan() -> [(name: String, measure: Measure)] {
        Self.cases.flatMap { c in Self.measures(of: c).map { (c.name, $0) } + (c.referenceName.map { [($0, Measure.latency)] } ?? []) }
    }

    /// `demo`: where the gate's XDP demo object (`xdp_demo`) comes from (built in, or `--objects DIR` for A/B
    /// and for judging another version of it); every other object is built in.
    public func run(include: (String) -> Bool = { _ in true }, demo: ObjectSource? = nil,
                    progress: (String) -> Void = { _ in }) throws -> [BenchmarkResult] {
        try Privileges.current().require(.enableStats)
        let selected = Self.cases.filter { include($0.name) }
        return try MachineLock.with("macro", waiting: progress) {
            var out: [BenchmarkResult] = []
            for (i, c) in selected.enumerated() {
                progress("[\(i + 1)/\(selected.count)] \(c.name): \(config.samples) windows of \(config.windowMilliseconds) ms, \(c.trafficDescription) traffic")
                out += try runCase(c, demo: demo, progress: progress)
            }
            return out
        }
    }

    func runCase(_ c: MacroCase, demo: ObjectSource?, progress: (String) -> Void = { _ in }) throws -> [BenchmarkResult] {
        func all(_ status: Status) -> [BenchmarkResult] { Self.notRun(c, status) }
        /// A missing privilege stops the suite (exit 5); a hook family this machine may lack is
        /// unsupported; anything else is a failed benchmark, with the verifier's last lines.
        func status(for error: Error, _ stage: String) throws -> Status {
            if case .missingPrivilege? = error as? BPFError { throw error }
            if c.attach.family.mayBeUnsupported != nil, let code = (error as? BPFError)?.errno,
               Errno.meansUnsupported(code) || code == EPERM {
                return .unsupported("\(stage): \(error)")
            }
            return .failed("\(stage): \(error)" + ((error as? BPFError)?.verifierTail(lines: 3) ?? ""))
        }
        guard let source = c.source ?? (c.object == XDPDemoSuite.objectName && demo != nil ? demo : ObjectSource.embedded(c.object)) else {
            return all(.failed("this bpfgate carries no object '\(c.object)'"))
        }

        // Load (timed), then keep the last load.
        var loadTimes: [Double] = []
        var object: BPFObject?
        var adopted: [String] = []
        var c = c
        var notTogether: String?
        while loadTimes.count < max(1, config.loads) {
            object?.close()
            let o = try BPFObject(bytes: source.bytes, name: c.object)
            adopted = try o.prepare(c)
            let t0 = monotonicNanoseconds()
            do { try o.load() } catch {
                o.close()
                if !c.companions.isEmpty {
                    // An object that does not load with every sibling (one of them needs what this kernel lacks).
                    notTogether = "not together: the object does not load with its siblings (\("load: \(error)".prefix(160))); measured alone"
                    c.companions = []
                    object = nil
                    loadTimes = []
                    continue
                }
                var failed = all(try status(for: error, "load"))
                if let notTogether, !failed.isEmpty { failed[0].notes.insert(notTogether, at: 0) }
                return failed
            }
            loadTimes.append(Double(monotonicNanoseconds() - t0))
            object = o
        }
        guard let object else { return all(.failed("no load")) }
        defer { object.close() }
        let program = try object.program(named: c.function)
        if object.mapNames.contains("probe_cfg") && !c.traffic.facts.otherProcesses { try HookAttach.countOnlyThisProcess(object) }
        // tracefs for the whole benchmark (attach and detach alternate below), unmounted after if we mounted it.
        let mounted = c.attach.family.needs.contains(.tracefs) ? try HookAttach.mountTraceFSIfAbsent() : nil
        defer { if let mounted { Cleanup.shared.run(mounted) } }
        var results = try measure(c, object: object, program: program, loadTimes: loadTimes, status: status, progress: progress)
        if !adopted.isEmpty, !results.isEmpty { results[0].notes.append("as its loader would: " + adopted.joined(separator: "; ")) }
        if let notTogether, !results.isEmpty { results[0].notes.insert(notTogether, at: 0) }
        return results
    }

    private func measure(_ c: MacroCase, object: BPFObject, program: BPFProgram, loadTimes: [Double],
                         status: (Error, String) throws -> Status, progress: (String) -> Void) throws -> [BenchmarkResult] {
        // What loading cost: known once loaded, whether or not the hook attaches here.
        let info = try program.info()
        let used = Set(try program.mapIDs())
        let memlock = try object.mapNames.map { try object.map(named: $0) }.filter { used.contains(try $0.id()) }
            .reduce(0) { $0 + (try $1.memlockBytes()) }
        let loadCost: [MeasureResult] = [
            Measure.verifiedInstructions.result([Double(info.verifiedInstructions)]),
            Measure.verifierLimitPercent.result([Double(info.verifiedInstructions) / Double(Self.verifierLimit) * 100]),
            Measure.loadNanoseconds.result(loadTimes),
            Measure.xlatedBytes.result([Double(info.xlatedBytes)]),
            Measure.jitedBytes.result([Double(info.jitedBytes)]),
            Measure.memlockBytes.result([Double(memlock)]),
        ]
        func runtime(_ status: Status) -> [BenchmarkResult] { Self.notRun(c, status, loadCost: loadCost) }
        var companionNote: String?

        // Packet hooks get a veth pair between two namespaces of their own (gone with the process).
        // cgroup_skb: the receiving socket is made in a cgroup of bpfgate's own, where the program attaches.
        let path: PacketPath?
        let cgroup: OwnCgroup?
        do {
            cgroup = c.attach.family.needs.contains(.cgroup) ? try OwnCgroup() : nil
            path = try Self.packetPath(for: c, cgroup: cgroup)
        } catch { return runtime(.failed("packet path: \(error)")) }
        defer { path?.close(); cgroup?.close() }
        // Workloads that make XDP's own events: their helper program on the veth pair, for the whole benchmark.
        let helper: XDPWorkload?
        do { helper = try XDPWorkload.attach(c.traffic, on: path) } catch { return runtime(.failed("the \(c.traffic.rawValue) workload's helper: \(error)")) }
        defer { helper?.close() }
        let iterator: IteratorSlot?
        do { iterator = try Self.iteratorSlot(for: c) } catch { return runtime(.failed("\(error)")) }
        let site = Self.site(path, cgroup, iterator, probe: c.probeTarget)
        let attach = { () throws -> Detach in try HookAttach.attach(c.attach, program, at: site) }

        // Attach once to learn whether the hook works here at all.
        var detach: () throws -> Void
        do { detach = try attach() } catch { return runtime(try status(error, "attach")) }

        let window = UInt64(config.windowMilliseconds) * 1_000_000
        let traffic: CaseTraffic
        do {
            traffic = try CaseTraffic(c, threads: config.threads, seconds: trafficSeconds(windows: config.samples * 4),
                                      socket: path?.sender ?? -1, iterator: iterator)
        } catch {
            try? detach()  // the benchmark fails either way; the link goes with its object
            return runtime(Self.workloadStatus(error, c.traffic))
        }
        defer { traffic.stop() }

        // The reference: the counting program on the same target (`ReferenceTarget`), loaded on its own.
        var reference: MacroReference?
        if let function = c.reference {
            do { reference = try MacroReference(function: function, for: c, section: program.section) } catch {
                try? detach()
                return runtime(.failed("reference \(function): \(error)"))
            }
        }
        defer { reference?.close() }

        // `--together`: the program's siblings attached for the whole benchmark, as the tool runs them (their state,
        // runqlat's `start`, is what the program reads); a sibling that does not attach here is left out, and said.
        let siblings = Self.attachSiblings(c.companions, of: object, hook: c.attach, at: site)
        defer { try? siblings.detach() }
        if !c.companions.isEmpty {
            companionNote = "together with \(c.companions.count - siblings.missing.count) of its siblings (\(c.companions.joined(separator: ", ")); "
                + "load-ns covers their load too)"
                + (siblings.missing.isEmpty ? "" : "; not attached: " + siblings.missing.map { "\($0.name): \($0.error)" }.joined(separator: "; "))
        }

        // Event submission: bpfgate consumes what the program submits, for the whole benchmark.
        var consumer: (reader: EventConsumer, drops: BPFMap)?
        if let spec = c.consumer {
            do {
                consumer = (try EventConsumer(map: try object.map(named: spec.map), kind: spec.kind), try object.map(named: "event_drops"))
            } catch {
                try? detach()
                return runtime(.failed("consumer: \(error)"))
            }
        }
        defer { consumer?.reader.stop() }

        // Latency: bpf_stats on. With a reference, the program and the reference take turns window by window
        // (ABBA; each attached alone), so the machine's speed of the moment hits both alike; else the program
        // stays attached. Pairs (windows) without a run are timed again within the benchmark's retry budget.
        var retries = retryBudget
        let settle = { traffic.waitForEvents() }
        // An iterator is its own workload: without it there is nothing to read, so no rate to compare with.
        let iterates = c.traffic.facts.needs.contains(.iterator)
        let events: (() -> UInt64)? = traffic.isCommand ? nil : { traffic.events }
        let latency: Alternation
        var latencyStatus: Status?
        var attached = true
        do {
            let stats = try StatsSession()
            defer { stats.close() }
            if let reference {
                try detach()
                attached = false
                latency = try alternate([(program, attach)], [(reference.program, { try reference.attach(at: site) })],
                                        budget: &retries, events: events, settle: settle)
            } else {
                sleepNanoseconds(window / 4)  // let the traffic and the counters settle
                latency = try attachedWindows(program, budget: &retries, events: events, settle: settle)
            }
            if !latency.complete {
                latencyStatus = .failed(latency.shortfall(samples: config.samples, a: "the program",
                                                          b: "the reference (\(reference?.label ?? "none"))"))
            }
        } catch {
            if attached { try? detach() }
            return runtime(try status(error, "re-attach"))
        }

        // Overhead: bpf_stats off; ABBA pairs of windows with and without the program.
        // System CPU from /proc/stat, summed over all kept windows of each kind (a 40 ms window holds only a
        // few 10 ms ticks): one sample with the program, one without.
        func submitted() -> (consumed: UInt64, dropped: UInt64) {
            guard let consumer else { return (0, 0) }
            let counts = consumer.reader.counts
            let drops = (try? consumer.drops.lookup(UInt32(0), as: UInt64.self)) ?? nil
            return (counts.events, counts.lost + (drops ?? 0))
        }
        typealias Extra = (kernel: UInt64, total: UInt64, consumed: Double, dropPercent: Double)
        func rate(_ withProgram: Bool) throws -> (rate: Double, extra: Extra) {
            if withProgram != attached {
                if withProgram { detach = try attach() } else { try detach() }
                attached = withProgram
            }
            let c0 = CPUTimes.now()
            let s0 = submitted()
            let (e0, t0) = (traffic.events, monotonicNanoseconds())
            sleepNanoseconds(window)
            let (e1, t1) = (traffic.events, monotonicNanoseconds())
            let s1 = submitted()
            let seconds = Double(t1 &- t0) / 1e9
            let (got, lost) = (s1.consumed &- s0.consumed, s1.dropped &- s0.dropped)
            var extra: Extra = (0, 0, Double(got) / seconds, got + lost == 0 ? 0 : Double(lost) / Double(got + lost) * 100)
            if let c0, let c1 = CPUTimes.now(), c1.total >= c0.total { (extra.kernel, extra.total) = (c1.kernel &- c0.kernel, c1.total - c0.total) }
            return (Double(e1 &- e0) / seconds, extra)
        }
        let overhead: OverheadPairs<Extra>
        do {
            // Your command's events are not counted (rate 0 in every window), nor are an iterator's without it:
            // every pair is kept.
            overhead = try overheadPairs(budget: &retries, countsEvents: c.command == nil && !iterates, settle: settle, window: rate)
        } catch {
            if attached { try? detach() }
            return runtime(try status(error, "re-attach"))
        }
        if attached {
            do { try detach() } catch { return runtime(try status(error, "detach")) }
        }
        traffic.stop()
        if let failure = traffic.failure { return runtime(Self.workloadStatus(failure, c.traffic)) }
        let timedAgain = latency.retries + overhead.retries
        var notes: [String] = companionNote.map { [$0] } ?? []
        if timedAgain > 0 {
            notes.append("\(timedAgain) window pairs timed again (\(retries.used) of \(retries.total) allowed): "
                + "\(latency.emptyA) windows without a run of the program, \(latency.emptyB) of the reference, "
                + "\(c.command == nil ? overhead.starved : 0) without traffic")
            progress("\(c.name): \(notes[notes.count - 1])")
        }

        func cpu(_ extras: [Extra]) -> (kernel: UInt64, total: UInt64) { extras.reduce((0, 0)) { ($0.0 + $1.kernel, $0.1 + $1.total) } }
        let overheadNs = zip(overhead.with, overhead.without).map { 1e9 / $0 - 1e9 / $1 }
        let overheadPercent = zip(overhead.with, overhead.without).map { ($1 / $0 - 1) * 100 }
        var measures: [MeasureResult] = [
            latencyStatus.map { .without(.latency, $0) } ?? Measure.latency.result(latency.a),
            Measure.throughput.result(overhead.with),
            Measure.overheadNanoseconds.result(overheadNs),
            Measure.overheadPercent.result(overheadPercent),
            Self.cpuPercent(.systemCPUPercent, cpu(overhead.withExtras)),
            Self.cpuPercent(.systemCPUPercentBase, cpu(overhead.withoutExtras)),
            residentSetBytes().map { Measure.rssBytes.result([$0]) } ?? .without(.rssBytes, .unsupported("no /proc/self/statm")),
        ] + (consumer == nil ? [] : [Measure.consumedPerSecond.result(overhead.withExtras.map(\.consumed)),
                                     Measure.dropPercent.result(overhead.withExtras.map(\.dropPercent))]) + loadCost
        if c.command != nil {
            let why = Status.notApplicable("the traffic is your command, whose events bpfgate cannot count")
            measures[1] = .without(.throughput, why)
            measures[2] = .without(.overheadNanoseconds, why)
            measures[3] = .without(.overheadPercent, why)
        } else if iterates {
            let why = Status.notApplicable("an iterator runs only when read: without the program there is no workload to compare with")
            measures[2] = .without(.overheadNanoseconds, why)
            measures[3] = .without(.overheadPercent, why)
        } else if !overhead.complete {
            let why = Status.failed("the \(c.traffic.rawValue) traffic made no event in \(overhead.starved) windows "
                + "(\(overhead.with.count) of \(config.samples) window pairs kept, \(overhead.retries) timed again)")
            measures[1] = .without(.throughput, why)
            measures[2] = .without(.overheadNanoseconds, why)
            measures[3] = .without(.overheadPercent, why)
        }
        var result = BenchmarkResult(name: c.name, suite: c.suite, measures: measures, notes: notes)
        guard let referenceName = c.referenceName else { return [result] }
        result.reference = latencyStatus == nil ? referenceName : nil
        let referenceStatus: Status? = latencyStatus == nil ? nil : latency.emptyB > 0
            ? .failed("attached to \(reference?.label ?? "its target"), but saw no run in \(latency.emptyB) of \(latency.windows) windows")
            : .failed("not timed to the end: the program saw no run in \(latency.emptyA) of \(latency.windows) windows")
        return [result, BenchmarkResult(name: referenceName, suite: c.suite, measures: [
            referenceStatus.map { .without(.latency, $0) } ?? Measure.latency.result(latency.b),
        ])]
    }
}
