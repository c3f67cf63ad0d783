import Foundation
import Results
import Statistics

/// Where `bpfgate bisect` puts a commit between the good and the bad one.
public enum Placement: String, Codable, Sendable {
    /// On the good side: its timing is closer to the good commit's.
    case good
    /// On the bad side: closer to the bad commit's.
    case bad
    /// Not placed: it does not build, or its A/B stayed inconclusive.
    case skipped
}

/// The search of `bpfgate bisect` over a first-parent history, oldest first: `commits[0]` is good, the last is bad.
/// `next` is the unplaced commit nearest the middle of the open range (the greatest good below the smallest bad);
/// a skipped commit is stepped around, as `git bisect skip` does. When nothing is left to place, `firstBad` is the
/// first bad commit, or the commits it may be when skipped ones stand between the bounds.
public struct Bisection: Sendable {
    public let commits: [String]
    public private(set) var placements: [Int: Placement]

    public init(commits: [String]) {
        precondition(commits.count >= 2, "a bisection needs a good and a bad commit")
        self.commits = commits
        placements = [0: .good, commits.count - 1: .bad]
    }

    /// The smallest bad index and the greatest good one below it.
    public var bounds: (good: Int, bad: Int) {
        let bad = placements.filter { $0.value == .bad }.keys.min()!
        let good = placements.filter { $0.value == .good && $0.key < bad }.keys.max()!
        return (good, bad)
    }

    /// The next commit to place, nil when the search is over.
    public var next: Int? {
        let (good, bad) = bounds
        let middle = Double(good + bad) / 2
        return (good + 1 ..< bad).filter { placements[$0] == nil }.min { abs(Double($0) - middle) < abs(Double($1) - middle) }
    }

    public mutating func place(_ index: Int, _ placement: Placement) {
        precondition(index > 0 && index < commits.count - 1, "the good and bad ends are placed already")
        placements[index] = placement
    }

    /// When `next` is nil: the first bad commit (one index), or the skipped commits before the bad bound and it.
    public var firstBad: [Int] {
        let (good, bad) = bounds
        return (good + 1 ..< bad).filter { placements[$0] == .skipped } + [bad]
    }

    /// The regression to bisect: among the timings the bad-vs-good A/B found regressed (and `matches`), the one
    /// that moved most.
    public static func target(_ report: GateReport, matches: (String) -> Bool = { _ in true }) -> Finding? {
        report.findings
            .filter { $0.verdict == .regression && !Measure.isDeterministic($0.measure) && matches($0.benchmark) && $0.change != nil }
            .max { abs(log1p($0.change!)) < abs(log1p($1.change!)) }
    }
}

/// One candidate's A/B against the good commit, measured as a fraction of the bad commit's effect: 0 is where the
/// good commit lies, 1 where the bad one does. The candidate goes to the side it is closer to when the whole
/// interval of that fraction lies on one side of 1/2; otherwise it is inconclusive and wants more pairs.
public struct CandidateJudgement: Codable, Equatable, Sendable {
    public let pairs: Int
    /// Median of candidate/good over the pairs, and its interval.
    public let ratio: Double
    public let ratioLower: Double
    public let ratioUpper: Double
    /// ln(ratio) / ln(effect), and its interval.
    public let fraction: Double
    public let fractionLower: Double
    public let fractionUpper: Double
    /// nil: the interval straddles 1/2.
    public let placement: Placement?

    /// `effect`: the bad/good median ratio the search is after (not 1). `level`: the interval's confidence.
    /// nil when there are too few pairs for an interval.
    public init?(base: [Double], head: [Double], effect: Double, level: Double) {
        let n = min(base.count, head.count)
        let ratios = zip(head, base).map { $0 / $1 }
        guard effect > 0, effect != 1, n >= 6, !ratios.contains(where: { !$0.isFinite || $0 <= 0 }),
              let median = Descriptive.median(ratios), let ci = ConfidenceIntervals.median(ratios, level: level) else { return nil }
        let scale = log(effect)
        let (a, b) = (log(ci.lower) / scale, log(ci.upper) / scale)
        pairs = n
        ratio = median
        ratioLower = ci.lower
        ratioUpper = ci.upper
        fraction = log(median) / scale
        fractionLower = min(a, b)
        fractionUpper = max(a, b)
        placement = fractionUpper < 0.5 ? .good : fractionLower > 0.5 ? .bad : nil
    }
}

extension CandidateJudgement {
    /// Why an A/B of a candidate gave no samples (its objects could not be timed, a side failed): the candidate is
    /// skipped with this reason.
    public struct Unmeasured: Error, CustomStringConvertible {
        public let description: String
        public init(_ reason: String) { description = reason }
    }

    /// Times a candidate in up to `rounds` A/Bs (`measure(round)` gives one A/B's base and head samples, or throws
    /// `Unmeasured`), pooling their pairs until the placement is decided. Returns the last judgement (nil: too few
    /// pairs for an interval; its placement nil: inconclusive after every round) and the rounds taken.
    public static func pool(rounds: Int, effect: Double, level: Double, inconclusive: (CandidateJudgement) -> Void = { _ in },
                            measure: (Int) throws -> (base: [Double], head: [Double])) throws -> (judgement: CandidateJudgement?, rounds: Int) {
        var base: [Double] = [], head: [Double] = []
        var last: CandidateJudgement?
        for round in 1 ... max(1, rounds) {
            let samples = try measure(round)
            base += samples.base
            head += samples.head
            last = CandidateJudgement(base: base, head: head, effect: effect, level: level)
            if let j = last {
                if j.placement != nil { return (j, round) }
                inconclusive(j)
            }
        }
        return (last, max(1, rounds))
    }
}
