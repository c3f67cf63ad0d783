import Foundation
import Gate
import Results

// What `bpfgate bisect` found, as its stdout and its --json (the search itself: Bisection in Gate, BisectSearch in the CLI).

/// One commit's place in the search, as the log and the summary show it.
public struct BisectStep: Codable, Sendable {
    public let commit: String
    public let subject: String
    public let placement: Placement
    /// How: "the good end", "same objects as <commit>", "timed", "does not build: ...", "inconclusive ...".
    public let reason: String
    public let objectsDigest: String?
    public let judgement: CandidateJudgement?
    /// The placed commit whose objects are the same bytes (placed with it, untimed).
    public var sameObjectsAs: String?

    public init(commit: String, subject: String, placement: Placement, reason: String, objectsDigest: String?, judgement: CandidateJudgement?,
                sameObjectsAs: String? = nil) {
        self.commit = commit
        self.subject = subject
        self.placement = placement
        self.reason = reason
        self.objectsDigest = objectsDigest
        self.judgement = judgement
        self.sameObjectsAs = sameObjectsAs
    }
}

/// What `bisect` found: the regression it followed, every commit it placed, and the first bad commit (or the
/// commits it may be).
public struct BisectLog: Codable, Sendable {
    public var good: String
    public var bad: String
    public var commitsBetween: Int
    public var benchmark: String?
    public var measure: String?
    /// The bad/good A/B of the followed timing: change, interval, pairs (from `Comparison.ab`, confirmed).
    public var change: Double?
    public var ratioLower: Double?
    public var ratioUpper: Double?
    public var pairs: Int?
    public var steps: [BisectStep] = []
    public var firstBad: [String] = []
    public var found: Bool { firstBad.count == 1 }

    public init(good: String, bad: String, commitsBetween: Int) {
        self.good = good
        self.bad = bad
        self.commitsBetween = commitsBetween
    }

    public static func encode(_ log: BisectLog) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(log)
        data.append(0x0a)
        return data
    }

    public static func percent(_ x: Double) -> String { String(format: "%+.1f %%", x * 100) }

    /// The stdout text: the first bad commit and its A/B row, with the row of the good commit before it.
    public var summary: String {
        guard let benchmark, let measure, let change else {
            return "bisect: \(bad.prefix(12)) is not slower than \(good.prefix(12)) in any timing its A/B judged: nothing to bisect\n"
        }
        let lookup = { (sha: String) in steps.first { $0.commit == sha } }
        func row(_ step: BisectStep) -> String {
            // Untimed with its twin's objects: the twin's row.
            if let twin = step.sameObjectsAs.flatMap(lookup) {
                return "\(twin.commit == bad ? "\(effect) against good \(good.prefix(12))" : twin.commit == good ? "the good revision's speed" : row(twin)) (the same objects as \(twin.commit.prefix(12)))"
            }
            guard let j = step.judgement else { return "\(step.placement.rawValue): \(step.reason)" }
            return "\(Self.percent(j.ratio - 1)) [\(Self.percent(j.ratioLower - 1)), \(Self.percent(j.ratioUpper - 1))] against good \(good.prefix(12)), "
                + "\(j.pairs) pairs: \(String(format: "%.2f", j.fraction)) of the bad commit's change (\(step.placement.rawValue))"
        }
        var effect: String { "\(Self.percent(change)) [\(Self.percent((ratioLower ?? .nan) - 1)), \(Self.percent((ratioUpper ?? .nan) - 1))], \(pairs ?? 0) pairs" }
        var out = ""
        let timed = steps.filter { $0.judgement != nil }.count, byDigest = steps.filter { $0.reason.hasPrefix("same objects") }.count
        let skipped = steps.filter { $0.placement == .skipped }.count
        if found, let first = lookup(firstBad[0]) {
            out += "first bad commit: \(first.commit) \(Text.oneLine(first.subject))\n"
            out += first.commit == bad
                ? "  \(benchmark) \(measure): \(effect) against good \(good.prefix(12)) (the bad revision)\n"
                : "  \(benchmark) \(measure): \(row(first))\n"
            if let i = steps.firstIndex(where: { $0.commit == first.commit }), let before = steps[..<i].last(where: { $0.placement == .good }) {
                out += "  the good commit before it, \(before.commit.prefix(12)): \(before.commit == good ? "the good revision" : row(before))\n"
            }
        } else {
            out += "the first bad commit is one of \(firstBad.count) (the others could not be placed):\n"
            for sha in firstBad { if let s = lookup(sha) { out += "  \(s.commit.prefix(12)) \(Text.oneLine(s.subject)): \(s.placement.rawValue), \(s.reason)\n" } }
        }
        out += "  bad against good: \(benchmark) \(measure) \(effect); \(commitsBetween) commit(s) between them: "
            + "\(timed) timed, \(byDigest) placed by their objects' digest, \(skipped) skipped\n"
        return out
    }
}
