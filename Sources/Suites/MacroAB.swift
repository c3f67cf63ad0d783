import BPF
import BPFCatalog
import Foundation
import Harness
import Results

extension MacroSuite {
    /// Same-run A/B of the benchmarks that run the gate's demo object (`macro/xdp-demo/xdp`).
    public func runAB(base: ObjectSource, head: ObjectSource, include: (String) -> Bool = { _ in true },
                      progress: (String) -> Void = { _ in }) throws -> [(benchmark: String, base: MeasureResult, head: MeasureResult)] {
        try runAB(Self.cases.filter { $0.object == XDPDemoSuite.objectName && include($0.name) }.map { ($0, base, head) }, progress: progress)
    }

    /// Same-run A/B: per case, the base and the head program take turns window by window under the same
    /// traffic (see `alternate`), each attached alone. Returns the paired latency samples per benchmark.
    public func runAB(_ jobs: [(c: MacroCase, base: ObjectSource, head: ObjectSource)],
                      progress: (String) -> Void = { _ in }) throws -> [(benchmark: String, base: MeasureResult, head: MeasureResult)] {
        try Privileges.current().require(.enableStats)
        return try MachineLock.with("macro", waiting: progress) {
            try jobs.map { job, base, head in
                var c = job
                progress("\(c.name) A/B: \(config.samples) window pairs, base \(base.origin), head \(head.origin)")
                func load(_ source: ObjectSource) throws -> Result<(BPFObject, BPFProgram), Error> {
                    do {
                        let o = try BPFObject(bytes: source.bytes, name: source.name)
                        try o.prepare(c)
                        try o.load()
                        return .success((o, try o.program(named: c.function)))
                    } catch let e as BPFError where !e.isPermissionDenied {
                        return .failure(e)
                    }
                }
                // abLoads copies per side, loaded alternately, so neither side's copies cluster in memory.
                var b: [Result<(BPFObject, BPFProgram), Error>] = [], h: [Result<(BPFObject, BPFProgram), Error>] = []
                defer { for side in b + h { if case let .success((o, _)) = side { o.close() } } }
                for _ in 0 ..< max(1, config.abLoads) {
                    b.append(try load(base))
                    h.append(try load(head))
                }
                if !c.companions.isEmpty, (b + h).contains(where: { if case .failure = $0 { return true } else { return false } }) {
                    // An object that does not load with every sibling: each side's program alone.
                    for side in b + h { if case let .success((o, _)) = side { o.close() } }
                    (b, h) = ([], [])
                    c.companions = []
                    for _ in 0 ..< max(1, config.abLoads) {
                        b.append(try load(base))
                        h.append(try load(head))
                    }
                }
                func failed(_ side: [Result<(BPFObject, BPFProgram), Error>]) -> MeasureResult? {
                    for case let .failure(e) in side {
                        return .without(.latency, .failed("load: \(e)" + ((e as? BPFError)?.verifierTail(lines: 3) ?? "")))
                    }
                    return nil
                }
                if failed(b) != nil || failed(h) != nil {
                    return (c.name, failed(b) ?? .without(.latency, .failed("not run: the head failed")),
                            failed(h) ?? .without(.latency, .failed("not run: the base failed")))
                }
                let loadedBase = b.compactMap { try? $0.get() }, loadedHead = h.compactMap { try? $0.get() }
                for (o, _) in loadedBase + loadedHead where o.mapNames.contains("probe_cfg") { try HookAttach.countOnlyThisProcess(o) }
                let cgroup = c.attach.family.needs.contains(.cgroup) ? try OwnCgroup() : nil
                defer { cgroup?.close() }
                let path = try Self.packetPath(for: c, cgroup: cgroup)
                defer { path?.close() }
                let helper = try XDPWorkload.attach(c.traffic, on: path)
                defer { helper?.close() }
                let mounted = c.attach.family.needs.contains(.tracefs) ? try HookAttach.mountTraceFSIfAbsent() : nil
                defer { if let mounted { Cleanup.shared.run(mounted) } }
                let iterator = try Self.iteratorSlot(for: c)
                let traffic = try CaseTraffic(c, threads: config.threads, seconds: trafficSeconds(windows: config.samples * 2),
                                              socket: path?.sender ?? -1, iterator: iterator)
                defer { traffic.stop() }
                let stats = try StatsSession()
                defer { stats.close() }
                var retries = retryBudget
                let site = Self.site(path, cgroup, iterator, probe: c.probeTarget)
                // Each side's copy runs with its own siblings attached, window by window (`--alone`: none); a
                // sibling that does not attach here is left out on both sides.
                var siblings = c.companions
                if let (o, _) = loadedBase.first, !siblings.isEmpty {
                    let trial = Self.attachSiblings(siblings, of: o, hook: c.attach, at: site)
                    try? trial.detach()
                    siblings.removeAll { name in trial.missing.contains { $0.name == name } }
                }
                let attach = c.attach
                func group(_ o: BPFObject, _ p: BPFProgram) -> () throws -> Detach {
                    {
                        let main = try HookAttach.attach(attach, p, at: site)
                        let rest = Self.attachSiblings(siblings, of: o, hook: attach, at: site)
                        if let failed = rest.missing.first {
                            try? rest.detach()
                            try? main()
                            throw failed.error
                        }
                        return { try rest.detach(); try main() }
                    }
                }
                let pairs = try alternate(loadedBase.map { o, p in (p, group(o, p)) }, loadedHead.map { o, p in (p, group(o, p)) },
                                          budget: &retries, events: traffic.isCommand ? nil : { traffic.events },
                                          settle: { traffic.waitForEvents() })
                if pairs.retries > 0 {
                    progress("\(c.name) A/B: \(pairs.retries) window pairs timed again (\(pairs.emptyA) windows of the base and "
                        + "\(pairs.emptyB) of the head saw no run)")
                }
                traffic.stop()
                if let failure = traffic.failure {
                    let status = Self.workloadStatus(failure, c.traffic)
                    return (c.name, .without(.latency, status), .without(.latency, status))
                }
                guard pairs.complete else {
                    let why = Status.failed(pairs.shortfall(samples: config.samples, a: "the base", b: "the head"))
                    return (c.name, .without(.latency, why), .without(.latency, why))
                }
                return (c.name, Measure.latency.result(pairs.a), Measure.latency.result(pairs.b))
            }
        }
    }
}
