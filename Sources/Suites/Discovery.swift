import BPF
import BPFCatalog
import Foundation
import Harness
import Results

/// Finds the workload that drives a program on an event no table knows (`tp_btf/<event>`, `raw_tp/<event>`,
/// `tracepoint/<category>/<event>`, a kprobe or fentry function): the program is loaded alone and attached on
/// the host, bpf_stats on; each candidate workload runs for one short window, and its rate is the program's
/// runs (run_cnt) per second. The fastest candidate well above the program's idle rate (a window with no
/// workload) wins; none: the program is listed with the rates, never reported as measured.
public struct Discovery {
    /// One probe window.
    static let windowNanoseconds: UInt64 = 30_000_000
    /// A candidate drives the program when its rate is at least this many times the idle rate, and at least
    /// `minimumRate` runs per second.
    static let overIdle = 3.0
    static let minimumRate = 200.0

    /// The workloads tried: every workload that runs on the host, but the jailed and host-wide ones (they fire only
    /// their own syscall's tracepoints, which the table knows) and the iterator's (it runs only its own program).
    public static var candidates: [TrafficKind] {
        TrafficKind.allCases.filter { kind in
            !kind.isPacket && kind != .uprobe && !kind.facts.needs.contains { [.jail, .hostWide, .iterator].contains($0) }
        }
    }

    struct Found {
        let kind: TrafficKind
        let rate: Double
        let runnerUp: (kind: TrafficKind, rate: Double)?
        let idleRate: Double
        let tried: Int

        var note: String {
            "workload \(kind.rawValue) found by discovery: \(Self.format(rate)) runs/s"
                + (runnerUp.map { " (next: \($0.kind.rawValue) \(Self.format($0.rate)) runs/s" } ?? " (no other workload drove it")
                + "; idle \(Self.format(idleRate)) runs/s; \(tried) workloads tried for \(Discovery.windowNanoseconds / 1_000_000) ms each)"
        }

        static func format(_ rate: Double) -> String { rate >= 10_000 ? String(format: "%.0fk", rate / 1000) : String(format: "%.0f", rate) }
    }

    /// The candidates that drive the program, fastest first (ties: the table's order): at least `overIdle` times
    /// its idle rate and `minimumRate` runs per second.
    public static func choose(_ rates: [(kind: TrafficKind, rate: Double)], idle: Double) -> [(kind: TrafficKind, rate: Double)] {
        let order = Dictionary(uniqueKeysWithValues: TrafficKind.allCases.enumerated().map { ($1, $0) })
        return rates.filter { $0.rate >= max(idle * overIdle, minimumRate) }
            .sorted { $0.rate != $1.rate ? $0.rate > $1.rate : order[$0.kind, default: 0] < order[$1.kind, default: 0] }
    }

    /// Discovers the workload of program `c.function` of `source`. Nil when the program does not load or attach
    /// here (the benchmark then fails or is unsupported with the kernel's answer, as any other); a failure when
    /// no workload drives it.
    static func run(_ c: MacroCase, source: ObjectSource, progress: (String) -> Void) throws -> Result<Found, NotDerivable>? {
        let object: BPFObject
        do {
            object = try BPFObject(bytes: source.bytes, name: source.name)
        } catch { return nil }
        defer { object.close() }
        let detach: Detach
        let program: BPFProgram
        do {
            var alone = c
            alone.companions = []
            try object.prepare(alone)
            try object.load()
            program = try object.program(named: c.function)
            detach = try HookAttach.attach(c.attach, program, at: .host)
        } catch let error as BPFError where error.isPermissionDenied && c.attach.family.mayBeUnsupported == nil {
            // A refused privilege stops the run; on a hook this kernel may lack (fentry, LSM: trampolines), EPERM is the
            // kernel's answer, which the benchmark reports as unsupported.
            throw error
        } catch { return nil }
        defer { try? detach() }
        let stats = try StatsSession()
        defer { stats.close() }

        func runs(during window: () throws -> Void) throws -> Double {
            let before = try program.info().runCount
            try window()
            return Double(try program.info().runCount &- before) / (Double(windowNanoseconds) / 1e9)
        }
        let idle = try runs { sleepNanoseconds(windowNanoseconds) }
        var rates: [(kind: TrafficKind, rate: Double)] = []
        for kind in candidates {
            var generator: TrafficGenerator?
            let rate = try runs {
                generator = try? TrafficGenerator(kind: kind, threads: 1, maxSeconds: 1)
                sleepNanoseconds(windowNanoseconds)
            }
            generator?.stop()
            guard let generator, generator.failure == nil, generator.events > 0 else { continue }
            rates.append((kind, rate))
        }
        let driving = choose(rates, idle: idle)
        guard let best = driving.first else {
            let top = rates.sorted { $0.rate > $1.rate }.first
            return .failure(NotDerivable("no workload drives it: \(candidates.count) tried for \(windowNanoseconds / 1_000_000) ms each, "
                + "the most \(top.map { "\(Found.format($0.rate)) runs/s (\($0.kind.rawValue))" } ?? "none") against "
                + "\(Found.format(idle)) runs/s idle; declare a generator or a command"))
        }
        let found = Found(kind: best.kind, rate: best.rate, runnerUp: driving.dropFirst().first, idleRate: idle, tried: rates.count)
        progress("\(c.name): \(found.note)")
        return .success(found)
    }
}

extension ObjectSuite {
    /// A case whose workload is found at run time gets it here (`Discovery`), with the note that says how; other
    /// cases pass through. Nil: discovery could not load or attach the program (the case then runs and fails or is
    /// unsupported as any other).
    static func discovered(_ c: MacroCase, progress: (String) -> Void) throws -> (c: MacroCase, note: String?, refusal: NotDerivable?) {
        guard c.discover, let source = c.source else { return (c, nil, nil) }
        switch try Discovery.run(c, source: source, progress: progress) {
        case let .success(found)?:
            var resolved = c
            resolved.traffic = found.kind
            resolved.discover = false
            return (resolved, found.note, nil)
        case let .failure(why)?:
            return (c, nil, why)
        case nil:
            return (c, nil, nil)
        }
    }
}
