import Foundation
import Results

/// Where a run is and the time left, on every progress line (one line each, no `\r`: CI logs keep them): the time
/// since the start and what is left by what each suite took before. A suite's seconds are recorded in the run's
/// settings (`seconds.<suite>`); `expected` comes from the latest stored run of the same profile, else from the
/// built-in profiles' times on the machine they were sized on (`typicalSeconds`), else is not known (elapsed only).
public final class RunClock: @unchecked Sendable {
    private let lock = NSLock()
    private let started: Date
    private let suites: [String]
    private let expectedSeconds: [String: Double]
    private var current = 0
    private var suiteStarted: Date

    public init(suites: [String], expected: [String: Double], now: Date = Date()) {
        self.suites = suites
        expectedSeconds = expected
        started = now
        suiteStarted = now
    }

    /// The settings key of a suite's seconds.
    public static func settingsKey(_ suite: String) -> String { "seconds.\(suite)" }

    /// Each suite's seconds in a stored run's settings.
    public static func seconds(of run: ResultsFile) -> [String: Double] {
        var out: [String: Double] = [:]
        for (key, value) in run.run.settings where key.hasPrefix("seconds.") { out[String(key.dropFirst(8))] = Double(value) }
        return out
    }

    /// What the built-in profiles took per suite on the 2-CPU machine they were sized on (ci/bench/profile-time.sh);
    /// your objects vary too much to guess.
    public static let typicalSeconds: [String: [String: Double]] = [
        "gate": ["user-maps": 5.7, "kernel": 13.5, "xdp-demo": 12.1, "macro": 34.3],
        "quick": ["user-maps": 1.5, "xdp-demo": 2.5],
    ]

    /// The expected seconds per suite of `plan`: the latest of `history` with the same profile and suites, else the
    /// built-in profile's.
    public static func expected(for plan: RunPlan, history: [ResultsFile]) -> [String: Double] {
        if let last = history.last(where: { $0.run.settings["profile"] == plan.profile && Set($0.run.suites) == Set(plan.suites) }) {
            let s = seconds(of: last)
            if !s.isEmpty { return s }
        }
        return plan.profile.flatMap { typicalSeconds[$0] } ?? [:]
    }

    /// Starts suite `name` (in `suites`' order).
    public func begin(_ name: String, now: Date = Date()) {
        lock.lock(); defer { lock.unlock() }
        current = suites.firstIndex(of: name) ?? current
        suiteStarted = now
    }

    /// Seconds left: the current suite's expected time less what it has taken (at least 0), plus every later suite's;
    /// nil when one of them is not known.
    public func secondsLeft(now: Date = Date()) -> Double? {
        lock.lock(); defer { lock.unlock() }
        var left = 0.0
        for (i, suite) in suites.enumerated() where i >= current {
            guard let e = expectedSeconds[suite] else { return nil }
            left += i == current ? max(0, e - now.timeIntervalSince(suiteStarted)) : e
        }
        return left
    }

    /// `text` after where the run is: "0:42, ~0:38 left, macro (3/4): text".
    public func line(_ text: String, now: Date = Date()) -> String {
        let elapsed = now.timeIntervalSince(started)
        let left = secondsLeft(now: now).map { ", ~\(Self.clock($0)) left" } ?? ""
        lock.lock()
        let position = suites.count > 1 ? "\(suites[current]) (\(current + 1)/\(suites.count))" : suites.first ?? ""
        lock.unlock()
        return "\(Self.clock(elapsed))\(left), \(position): \(text)"
    }

    /// m:ss.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
