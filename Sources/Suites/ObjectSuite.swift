import BPF
import BPFCatalog
import Configuration
import Foundation
import Harness
import Results

/// The user's own BPF objects (`run --object FILE`, the configuration's `objects`): every program whose
/// hook and traffic bpfgate can derive from its section (or that a declaration describes) runs like a macro
/// benchmark, against the counting program of its hook attached to the program's own target (its
/// tracepoint, raw tracepoint, BTF hook or function: `ReferenceTarget`); a program it cannot run is listed
/// as not applicable, "not derivable: <reason>".
///
/// Section -> hook (`Hook.of(section:)`) -> default traffic (`Hook.defaultTraffic(section:)`); the README carries
/// the same table.
public struct ObjectSuite {
    public static let name = SuiteName.objects.rawValue
    public let config: MacroConfig
    public let maps: UserMapConfig
    public let files: [String]
    public let declarations: [ObjectDeclaration]
    /// Your packet programs' test runs (`TestRunBench`).
    public let testRun: TestRunConfig

    public init(config: MacroConfig, maps: UserMapConfig = UserMapConfig(), testRun: TestRunConfig = TestRunConfig(), files: [String],
                declarations: [ObjectDeclaration]) {
        self.config = config
        self.maps = maps
        self.testRun = testRun
        self.files = files
        self.declarations = declarations
    }

    /// Entries and value bytes of one timed map at most: larger declarations are timed at this size.
    static let maxTimedEntries = 1 << 20
    static let maxTimedBytes = 256 << 20

    /// A map of a `--object` file: how the user-map suite times it (same type, key and value size, flags,
    /// plus BPF_F_ZERO_SEED for hash maps), or why it does not.
    public static func mapSpec(object: String, _ d: BPFObject.MapDefinition, lruFillPercent: Int) -> Result<MapSpec, NotDerivable> {
        guard d.type.facts?.timedFromUserSpace == true else {
            return .failure(.init("the user-space map suite times hash, array, percpu and LRU maps, not \(d.type.name)"))
        }
        guard d.keySize >= 4 else { return .failure(.init("keys narrower than 4 bytes are not timed")) }
        guard d.maxEntries >= 2 else { return .failure(.init("a map of \(d.maxEntries) entry cannot be timed over distinct keys")) }
        let perEntry = d.valueSize * (d.type.isPerCPU ? BPFLibrary.possibleCPUs : 1) + d.keySize
        let entries = min(d.maxEntries, maxTimedEntries, max(2, maxTimedBytes / max(1, perEntry)))
        var flags = MapFlags(rawValue: d.flags)
        if !d.type.isArray { flags.insert(.zeroSeed) }
        let lru = d.type.isLRU
        return .success(MapSpec(prefix: BenchmarkName.objectMap(object: object, map: d.name).description, type: d.type, keySize: d.keySize, valueSize: d.valueSize,
                                maxEntries: entries, flags: flags, fillCount: lru ? max(1, entries * lruFillPercent / 100) : entries))
    }

    /// The maps of the `--object` files (not of declarations: those name programs).
    func mapEntries() throws -> [(name: String, spec: Result<MapSpec, NotDerivable>)] {
        try files.flatMap { path -> [(name: String, spec: Result<MapSpec, NotDerivable>)] in
            let o = try Self.open(path)
            return o.maps.filter { !$0.isInternal }.map { d in
                (BenchmarkName.objectMap(object: o.source.name, map: d.name).description, Self.mapSpec(object: o.source.name, d, lruFillPercent: maps.lruFillPercent))
            }
        }
    }

    /// What a user's object declares, read with libbpf without loading it; an unreadable or malformed
    /// object is bad input (exit 65).
    static func open(_ path: String) throws
        -> (source: ObjectSource, programs: [(name: String, section: String, type: String)], maps: [BPFObject.MapDefinition])
    {
        let source = try ObjectSource.file(path: path)
        let object: BPFObject
        do { object = try BPFObject(bytes: source.bytes, name: source.name) } catch {
            throw BadInputError(path: path, problem: "libbpf cannot open it: \(error)")
        }
        defer { object.close() }
        let programs = object.programs.map { ($0.name, $0.section, $0.typeName) }
        if programs.isEmpty { throw BadInputError(path: path, problem: "has no BPF program (no executable section libbpf recognises)") }
        return (source, programs, object.mapDefinitions)
    }

    static let mapLeaves = ["empty", "full"] + MapOperation.allCases.map(\.rawValue)

    /// A declaration's `.rodata` values against the object's BTF: each names an integer variable and fits it, else
    /// bad input (exit 65).
    static func checkReadOnly(_ values: [String: Int64], in source: ObjectSource, path: String) throws {
        guard !values.isEmpty else { return }
        let object: BPFObject
        do { object = try BPFObject(bytes: source.bytes, name: source.name) } catch {
            throw BadInputError(path: path, problem: "libbpf cannot open it: \(error)")
        }
        defer { object.close() }
        // Set on an opened, never loaded copy: the same checks (name, type, range) as before every load.
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            do { try object.setReadOnly(name, to: value) } catch let e as BPFError {
                switch e.errno {
                case ERANGE?:
                    let size = (try? object.readOnlyVariableSize(name).get()).map(String.init) ?? "?"
                    throw BadInputError(path: path, problem: "\(value) does not fit the \(size)-byte .rodata variable '\(name)'")
                case EINVAL?: throw BadInputError(path: path, problem: "the .rodata variable '\(name)' is not an integer or bool")
                default: throw BadInputError(path: path, problem: "has no .rodata variable '\(name)' (a const volatile global)")
                }
            }
        }
    }

    /// One program of a user object: a runnable case, or why not.
    public struct Entry {
        public let name: String
        public let runnable: Result<MacroCase, NotDerivable>
    }

    /// Opens the objects (without loading them) and derives a case per program; declarations win over
    /// the derived defaults of the same program. A missing or malformed object, or a declared program the
    /// object lacks, is bad input (exit 65).
    public func entries() throws -> [Entry] {
        let out = try programs().map { p in
            Self.entry(source: p.source, program: p.program.name, section: p.program.section, declaration: p.declaration, calls: p.calls,
                       testRun: TestRunKind(programType: p.program.type, section: p.program.section))
        }
        return config.together ? Self.withCompanions(out) : out
    }

    /// Your packet programs that BPF_PROG_TEST_RUN can time (`TestRunKind`), unless refused.
    public func testRunCases() throws -> [TestRunCase] {
        try programs().compactMap { p in
            guard let kind = TestRunKind(programType: p.program.type, section: p.program.section) else { return nil }
            if p.declaration?.hostWide != true, Refusal.of(section: p.program.section) ?? p.calls.refusal(section: p.program.section) != nil { return nil }
            return TestRunCase(object: p.source.name, program: p.program.name, section: p.program.section, kind: kind, source: p.source,
                               rodata: p.declaration?.rodata ?? [:], maxEntries: p.declaration?.maxEntries ?? [:])
        }
    }

    /// Every program of the objects once, with the first declaration of it (declared ones first).
    func programs() throws
        -> [(source: ObjectSource, program: (name: String, section: String, type: String), declaration: ObjectDeclaration?, calls: HelperCalls)]
    {
        var out: [(source: ObjectSource, program: (name: String, section: String, type: String), declaration: ObjectDeclaration?, calls: HelperCalls)] = []
        var seen: Set<String> = []
        typealias Opened = (source: ObjectSource, programs: [(name: String, section: String, type: String)], maps: [BPFObject.MapDefinition], calls: HelperCalls)
        var opened: [String: Opened] = [:]
        func open(_ path: String) throws -> Opened {
            if let o = opened[path] { return o }
            let o = try Self.open(path)
            let withCalls = (o.source, o.programs, o.maps, HelperCalls(elf: o.source.bytes))
            opened[path] = withCalls
            return withCalls
        }
        for d in declarations {
            let o = try open(d.object)
            guard let program = o.programs.first(where: { $0.name == d.program }) else {
                throw BadInputError(path: d.object, problem: "has no program '\(d.program)' (it has \(o.programs.map(\.name).joined(separator: ", ")))")
            }
            try Self.checkReadOnly(d.rodata, in: o.source, path: d.object)
            for name in d.maxEntries.keys.sorted() where !o.maps.contains(where: { $0.name == name && !$0.isInternal }) {
                throw BadInputError(path: d.object, problem: "has no map '\(name)' to size (it has \(o.maps.filter { !$0.isInternal }.map(\.name).joined(separator: ", ")))")
            }
            // One benchmark per program: the first declaration of it wins.
            if seen.insert("\(d.object)\u{1f}\(program.name)").inserted { out.append((o.source, program, d, o.calls)) }
        }
        for path in files {
            let o = try open(path)
            for p in o.programs where seen.insert("\(path)\u{1f}\(p.name)").inserted { out.append((o.source, p, nil, o.calls)) }
        }
        return out
    }

    /// `--together`: each tracing program driven by a workload of bpfgate's gets as companions the other runnable
    /// programs of its object on the same hook family (so tp_btf and raw_tp twins, kprobe and fentry twins, which a
    /// tool picks between, never run together).
    static func withCompanions(_ entries: [Entry]) -> [Entry] {
        let cases = entries.compactMap { try? $0.runnable.get() }
        return entries.map { e in
            guard case .success(var c) = e.runnable, c.attach.isDrivenByEvents, c.command == nil, let origin = c.source?.origin else { return e }
            c.companions = cases.filter { $0.source?.origin == origin && $0.attach == c.attach && $0.function != c.function && $0.command == nil }
                .map(\.function)
            return Entry(name: e.name, runnable: .success(c))
        }
    }

    static func entry(source: ObjectSource, program: String, section: String, declaration: ObjectDeclaration?, calls: HelperCalls,
                      testRun: TestRunKind? = nil) -> Entry {
        let base = BenchmarkName(["object", source.name, program]).description
        // Refused unless your declaration opts in: programs that would change the host's behaviour.
        let hostWide = declaration?.hostWide == true
        if !hostWide, let refused = Refusal.of(section: section) ?? calls.refusal(section: section) {
            return Entry(name: base, runnable: .failure(refused))
        }
        let hook: Hook
        switch declaration?.attach.map({ Result<Hook, NotDerivable>.success($0) }) ?? Hook.of(section: section, hostWide: hostWide) {
        case let .success(h): hook = h
        case let .failure(why):
            guard testRun != nil else { return Entry(name: base, runnable: .failure(why)) }
            return Entry(name: base, runnable: .failure(.init("\(why.reason); timed by BPF_PROG_TEST_RUN instead (\(base)/test-run/<input>)")))
        }
        var traffic: TrafficKind = .getppid
        var command: (argv: [String], seconds: Double)?
        var threads: Int?
        var discover = false
        switch declaration?.traffic {
        case let .generator(g, n)?:
            traffic = g
            threads = n
        case let .command(argv, seconds)?:
            command = (argv, seconds)
        case nil:
            switch Hook.defaultTraffic(section: section) {
            case let .success(kind): traffic = kind
            case let .failure(why):
                // An event no table knows: the workload is found at run time, if the section names the event.
                guard hook.isDrivenByEvents, ReferenceTarget.of(hook: hook, section: section) != .sameHook else {
                    return Entry(name: base, runnable: .failure(why))
                }
                discover = true
            }
        }
        if hook.isPacket && (command != nil || (traffic != .udp && traffic != .tcp)) {
            return Entry(name: base, runnable: .failure(.init("\(hook) runs on bpfgate's own veth pair, which only the udp and tcp generators reach")))
        }
        if (hook.family.traffic == .iterate) != (command == nil && traffic == .iterate) {
            return Entry(name: base, runnable: .failure(.init(hook == .iter ? "an iterator runs only when read: bpfgate reads it, no other workload"
                : "the iterate workload reads iterators only")))
        }
        if !hook.isPacket && traffic.isPacket && !hook.isDrivenByEvents {
            return Entry(name: base, runnable: .failure(.init("packet traffic stays inside bpfgate's namespaces; \(hook) would not see it")))
        }
        var c = MacroCase(program: "\(source.name)/\(program)", attach: hook, object: source.name, function: program,
                          traffic: traffic, reference: command == nil ? hook.family.probe : nil)
        c.source = source
        c.command = command
        c.threads = threads
        c.suite = name
        c.prefix = "object"
        c.section = section
        c.discover = discover
        c.rodata = declaration?.rodata ?? [:]
        c.maxEntries = declaration?.maxEntries ?? [:]
        if [Hook.uprobe, .uretprobe, .usdt].contains(hook) {
            c.probeTarget = declaration?.target ?? ProbeTarget.of(section: section)
            if let t = c.probeTarget, command == nil {
                return Entry(name: base, runnable: .failure(.init("it probes \(t), which bpfgate does not call: declare a command that does")))
            }
            if let t = c.probeTarget, t.isUSDT != (hook == .usdt) {
                return Entry(name: base, runnable: .failure(.init("a \(hook.rawValue) program needs a \(hook == .usdt ? "USDT probe (provider and name)" : "function") as its target, not \(t)")))
            }
        } else if declaration?.target != nil {
            return Entry(name: base, runnable: .failure(.init("a target applies to uprobe, uretprobe and usdt programs, not \(hook.rawValue)")))
        }
        return Entry(name: c.name, runnable: .success(c))
    }

    static let notRunMeasure = Measure.latency

    /// Each program and how it runs: its hook and target, its workload and the reference, or why it does not
    /// run (`list --object`, and the run's settings).
    public func describe() throws -> [(name: String, how: String)] {
        try entries().map { e in
            switch e.runnable {
            case let .failure(why): return (e.name, why.description)
            case let .success(c):
                let section = c.section ?? ""
                let traffic = c.command.map { "your command '\($0.argv.joined(separator: " "))'" }
                    ?? (c.discover ? "workload found at run time (\(Discovery.candidates.count) tried)"
                        : "workload \(c.traffic.rawValue)" + ((c.threads ?? 1) > 1 ? " x \(c.threads ?? 1) threads" : ""))
                let reference = c.reference.map { ", reference \($0) on \(ReferenceTarget.of(hook: c.attach, section: section))" } ?? ""
                let rodata = c.rodata.isEmpty ? "" : ", .rodata " + c.rodata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                let sizes = c.maxEntries.isEmpty ? "" : ", maps " + c.maxEntries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                let siblings = c.companions.isEmpty ? "" : ", together with " + c.companions.joined(separator: ", ")
                let probe = c.probeTarget.map { ", on \($0)" } ?? ([.uprobe, .uretprobe, .usdt].contains(c.attach) ? ", on bpfgate's own target" : "")
                return (c.name, "\(c.attach) \(section)\(probe), \(traffic)\(reference)\(rodata)\(sizes)\(siblings)")
            }
        } + testRunCases().map { [inputs = try TestRunBench(config: testRun).inputs()] c in
            (c.prefix.description, "BPF_PROG_TEST_RUN (\(c.kind.programType)) on \(inputs.filter { c.runs($0) != nil }.map(\.name).joined(separator: ", "))"
                + (c.referenceName != nil ? ", reference \(c.kind.referenceHook?.family.probe ?? "")" : ""))
        }
    }

    public func plan() throws -> [(name: String, measure: Measure)] {
        let mapPlan = try mapEntries().flatMap { e -> [(String, Measure)] in
            guard case let .success(spec) = e.spec else { return [(e.name, Measure.latency)] }
            let leaves = Self.mapLeaves.map { ("\(spec.prefix)/\($0)", $0 == "empty" || $0 == "full" ? Measure.memlockBytes : .latency) }
            let batchRef = UserMapSuite.batchReferenceLeaf
            return leaves + [("\(spec.prefix)/\(UserMapSuite.referenceLeaf)", .latency), ("\(spec.prefix)/\(batchRef)", .latency)]
        }
        return try mapPlan + entries().flatMap { e -> [(String, Measure)] in
            guard case let .success(c) = e.runnable else { return [(e.name, Self.notRunMeasure)] }
            return MacroSuite.measures(of: c).map { (c.name, $0) } + (c.referenceName.map { [($0, Measure.latency)] } ?? [])
        } + TestRunBench(config: testRun).plan(testRunCases())
    }

    /// The A/B jobs of the runnable programs: base objects from `baseDirectory` (same file name), head
    /// objects from `headDirectory` or the declared paths. A missing base object is bad input (exit 65).
    public func abJobs(baseDirectory: String, headDirectory: String?, include: (String) -> Bool = { _ in true }) throws
        -> [(c: MacroCase, base: ObjectSource, head: ObjectSource)]
    {
        try entries().compactMap { e in
            guard case let .success(c) = e.runnable, include(c.name), let declared = c.source else { return nil }
            return (c, try Self.sibling(of: declared, in: baseDirectory), try headDirectory.map { try Self.sibling(of: declared, in: $0) } ?? declared)
        }
    }

    /// The object of the same file name as `declared` in `directory` (A/B's other side); missing: bad input (exit 65).
    static func sibling(of declared: ObjectSource, in directory: String) throws -> ObjectSource {
        try ObjectSource.file(path: URL(fileURLWithPath: directory).appendingPathComponent(URL(fileURLWithPath: declared.origin).lastPathComponent).path)
    }

    /// Whether there is anything to run: object files or declarations.
    public var isEmpty: Bool { files.isEmpty && declarations.isEmpty }

    public func run(include: (String) -> Bool = { _ in true }, progress: (String) -> Void = { _ in }) throws -> [BenchmarkResult] {
        try Privileges.current().require(.enableStats)
        let selected = try entries().filter { include($0.name) }
        let macro = MacroSuite(config: config)
        // The objects' maps first, timed like the user-map suite's on its measuring thread.
        var out: [BenchmarkResult] = []
        let suite = UserMapSuite(config: maps)
        for e in try mapEntries() {
            switch e.spec {
            case let .failure(why):
                if include(e.name) { out.append(BenchmarkResult(name: e.name, suite: Self.name, measures: [.without(.latency, .notApplicable(why.description))])) }
            case let .success(spec):
                let wanted = Set(Self.mapLeaves.filter { include("\(spec.prefix)/\($0)") })
                if wanted.isEmpty { continue }
                progress("\(spec.prefix): \(spec.type.name), key \(spec.keySize) B, value \(spec.valueSize) B, \(spec.maxEntries) entries")
                out += try MeasuringThread.run { try suite.runGroup(spec, selected: wanted, suite: Self.name) }
            }
        }
        return try MachineLock.with("macro", waiting: progress) {
            for (i, e) in selected.enumerated() {
                switch e.runnable {
                case let .failure(why):
                    progress("[\(i + 1)/\(selected.count)] \(e.name): \(why)")
                    out.append(BenchmarkResult(name: e.name, suite: Self.name, measures: [.without(Self.notRunMeasure, .notApplicable(why.description))]))
                case let .success(c):
                    let (resolved, note, refusal) = try Self.discovered(c, progress: progress)
                    if let refusal {
                        progress("[\(i + 1)/\(selected.count)] \(c.name): \(refusal)")
                        out += MacroSuite.notRun(c, .notApplicable(refusal.description))
                        continue
                    }
                    progress("[\(i + 1)/\(selected.count)] \(c.name): \(config.samples) windows of \(config.windowMilliseconds) ms, \(resolved.trafficDescription) traffic")
                    var results = try macro.runCase(resolved, demo: nil, progress: progress)
                    if let note, !results.isEmpty { results[0].notes.insert(note, at: 0) }
                    out += results
                }
            }
            return out + (try TestRunBench(config: testRun).run(testRunCases(), include: include, progress: progress))
        }
    }
}
