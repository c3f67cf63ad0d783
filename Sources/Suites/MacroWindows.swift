import BPF
import BPFCatalog
import Foundation
import Harness

/// How many window pairs of one benchmark may be timed again: a pair in which a side saw no run of its
/// program, or the traffic made no event (an XDP attach can take the veth's carrier down for a moment, a
/// TCP connection can stall for a retransmission timeout, a 40 ms window can be starved on a busy VM),
/// is discarded and timed again, up to `perPair` times, and `total` times in the whole benchmark.
struct RetryBudget {
    let perPair: Int
    let total: Int
    private(set) var used = 0

    init(perPair: Int, total: Int) {
        self.perPair = max(0, perPair)
        self.total = max(0, total)
    }

    /// Whether a pair already retried `attempts` times may be timed again; counts the retry if so.
    mutating func allow(after attempts: Int) -> Bool {
        guard attempts < perPair, used < total else { return false }
        used += 1
        return true
    }
}

/// Latency samples of two programs timed in alternating windows (see `MacroSuite.alternate`).
struct Alternation {
    var a: [Double] = []
    var b: [Double] = []
    /// Windows timed per side (kept and discarded), and those of them in which the side's program saw no run.
    var windows = 0
    var emptyA = 0
    var emptyB = 0
    /// Pairs without a run in which the traffic made no event either (when the traffic's events are counted).
    var quiet = 0
    /// Pairs timed again.
    var retries = 0
    /// Every planned pair was kept.
    var complete = false

    /// Why the pairs are incomplete, naming the side (or sides) that saw no runs.
    func shortfall(samples: Int, a nameA: String, b nameB: String) -> String {
        var sides: [String] = []
        if emptyA > 0 { sides.append("\(nameA) saw no run in \(emptyA) of \(windows) windows") }
        if emptyB > 0 { sides.append("\(nameB) saw no run in \(emptyB) of \(windows) windows") }
        let traffic = quiet > 0 ? "; the traffic made no event in \(quiet) of those pairs" : ""
        return "attached, but \(sides.joined(separator: " and ")) (\(a.count) of \(samples) window pairs kept, \(retries) timed again\(traffic))"
    }
}

/// Rates of the workload in ABBA pairs of windows with and without the program (see `MacroSuite.overheadPairs`).
struct OverheadPairs<Extra> {
    var with: [Double] = []
    var without: [Double] = []
    /// What each window measured besides the rate (CPU ticks, consumer counts), per kept pair.
    var withExtras: [Extra] = []
    var withoutExtras: [Extra] = []
    /// Windows in which the traffic made no event (their pairs were discarded).
    var starved = 0
    var retries = 0
    var complete = false
}

extension MacroSuite {
    var retryBudget: RetryBudget {
        RetryBudget(perPair: config.retriesPerPair, total: config.maxRetries ?? config.samples)
    }

    /// Latency of two programs on one hook, taking turns window by window in ABBA order, each attached
    /// alone (bpf_stats must be on): sample i of each comes from the same pair of windows; with several
    /// copies per side, pair i takes copy i mod n. A pair in which either side saw no run of its program is
    /// discarded and timed again, within `budget`; once it is spent the samples stop short (`complete` false).
    /// `events`: the traffic's running count of events, if it is counted (to tell a quiet program from quiet traffic).
    func alternate(_ a: [Attachable], _ b: [Attachable], budget: inout RetryBudget, events: (() -> UInt64)? = nil,
                   settle: () -> Void = {}) throws -> Alternation {
        let window = UInt64(config.windowMilliseconds) * 1_000_000
        var out = Alternation()
        for i in 0 ..< config.samples {
            var attempts = 0
            while true {
                var pair: [Bool: Double] = [:]
                let e0 = events?()
                for isA in (i % 2 == 0 ? [true, false] : [false, true]) {
                    let (program, attach) = isA ? a[i % a.count] : b[i % b.count]
                    let undo = try attach()
                    sleepNanoseconds(window / 8)  // the attach settles
                    pair[isA] = try Self.windowLatency(program, nanoseconds: window)
                    try undo()
                }
                out.windows += 1
                if let x = pair[true], let y = pair[false] {
                    out.a.append(x)
                    out.b.append(y)
                    break
                }
                if pair[true] == nil { out.emptyA += 1 }
                if pair[false] == nil { out.emptyB += 1 }
                if let e0, let e1 = events?(), e1 == e0 { out.quiet += 1 }
                guard budget.allow(after: attempts) else { return out }
                attempts += 1
                out.retries += 1
                settle()
            }
        }
        out.complete = true
        return out
    }

    /// Latency of one program that stays attached: `samples` windows; a window without a run of the program
    /// is timed again within `budget`.
    func attachedWindows(_ program: BPFProgram, budget: inout RetryBudget, events: (() -> UInt64)? = nil,
                         settle: () -> Void = {}) throws -> Alternation {
        let window = UInt64(config.windowMilliseconds) * 1_000_000
        var out = Alternation()
        for _ in 0 ..< config.samples {
            var attempts = 0
            while true {
                out.windows += 1
                let e0 = events?()
                if let v = try Self.windowLatency(program, nanoseconds: window) {
                    out.a.append(v)
                    break
                }
                out.emptyA += 1
                if let e0, let e1 = events?(), e1 == e0 { out.quiet += 1 }
                guard budget.allow(after: attempts) else { return out }
                attempts += 1
                out.retries += 1
                settle()
            }
        }
        out.complete = true
        return out
    }

    /// `samples` ABBA pairs of windows with and without the program: `window(withProgram)` attaches or
    /// detaches as needed and returns the workload's rate in that window and what else it measured. A pair
    /// in which the traffic made no event (rate 0) is discarded and timed again within `budget`, unless the
    /// traffic's events are not counted (`countsEvents` false: a user's command), when every pair is kept.
    func overheadPairs<Extra>(budget: inout RetryBudget, countsEvents: Bool = true, settle: () -> Void = {},
                              window: (Bool) throws -> (rate: Double, extra: Extra)) rethrows -> OverheadPairs<Extra> {
        var out = OverheadPairs<Extra>()
        for pair in 0 ..< config.samples {
            var attempts = 0
            while true {
                var rates: [Bool: (rate: Double, extra: Extra)] = [:]
                for withProgram in (pair % 2 == 0 ? [true, false] : [false, true]) { rates[withProgram] = try window(withProgram) }
                let (w, wo) = (rates[true]!, rates[false]!)
                if !countsEvents || (w.rate > 0 && wo.rate > 0) {
                    out.with.append(w.rate)
                    out.without.append(wo.rate)
                    out.withExtras.append(w.extra)
                    out.withoutExtras.append(wo.extra)
                    break
                }
                out.starved += (w.rate > 0 ? 0 : 1) + (wo.rate > 0 ? 0 : 1)
                guard budget.allow(after: attempts) else { return out }
                attempts += 1
                out.retries += 1
                settle()
            }
        }
        out.complete = true
        return out
    }

    /// ns per run of `program` over one window (bpf_stats must be on), or nil if it did not run.
    static func windowLatency(_ program: BPFProgram, nanoseconds: UInt64) throws -> Double? {
        try program.nanosecondsPerRun(during: { sleepNanoseconds(nanoseconds) })
    }
}

extension CaseTraffic {
    /// Before a window pair is timed again: waits until the traffic makes events again (a stalled TCP
    /// connection resumes after its retransmission timeout, 200 ms or more), at most `seconds`.
    func waitForEvents(seconds: Double = 1) {
        guard !isCommand else { return }
        let start = events
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while events == start && monotonicNanoseconds() < deadline { sleepNanoseconds(1_000_000) }
    }
}

extension MacroSuite {
    /// How long a benchmark's traffic may run at most: `windows` windows (with the attach's settling time),
    /// plus every retry the budget allows (a pair of windows and up to a second of waiting for traffic).
    func trafficSeconds(windows: Int) -> Double {
        let window = Double(config.windowMilliseconds) * 1.3 / 1000
        return Double(windows + 4) * window + Double(retryBudget.total) * (2 * window + 1) + 10
    }
}

extension MacroSuite {
    /// Attaches `names`, programs of `object`, on `hook` at `site` (`--together`: a program's siblings): how to
    /// detach those that attached, and those that did not, with the kernel's answer.
    static func attachSiblings(_ names: [String], of object: BPFObject, hook: Hook, at site: AttachSite)
        -> (detach: Detach, missing: [(name: String, error: Error)])
    {
        var undo: [Detach] = []
        var missing: [(name: String, error: Error)] = []
        for name in names {
            do { undo.append(try HookAttach.attach(hook, try object.program(named: name), at: site)) } catch { missing.append((name, error)) }
        }
        return ({ for u in undo.reversed() { try u() } }, missing)
    }
}
