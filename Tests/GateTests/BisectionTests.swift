import Foundation
import Gate
import Results
import Statistics
import Testing

/// The search of `bpfgate bisect` (which commit next, what the first bad one is) and the placement of one commit by
/// its A/B against good, on made-up histories and samples.
@Suite struct BisectionTests {
    /// Drives a search whose commits at `first` and later are bad; `skip` commits cannot be placed.
    static func search(count: Int, first: Int, skip: Set<Int> = []) -> (firstBad: [Int], placed: [Int]) {
        var b = Bisection(commits: (0 ..< count).map { "c\($0)" })
        var placed: [Int] = []
        while let i = b.next {
            #expect(b.placements[i] == nil && i > b.bounds.good && i < b.bounds.bad, "placed \(i) twice or outside the open range")
            placed.append(i)
            b.place(i, skip.contains(i) ? .skipped : i >= first ? .bad : .good)
        }
        return (b.firstBad, placed)
    }

    @Test func finds_everyFirstBadCommit_inLogarithmicSteps() {
        for count in [2, 3, 5, 8, 33] {
            for first in 1 ..< count {
                let (firstBad, placed) = Self.search(count: count, first: first)
                #expect(firstBad == [first], "\(count) commits, first bad \(first)")
                #expect(Double(placed.count) <= ceil(log2(Double(count - 1))), "\(count) commits: \(placed.count) placements")
            }
        }
    }

    @Test func fiveCommits_middleFirst() {
        // good c0, bad c4: c2 first, then c1 (the test repository).
        let (firstBad, placed) = Self.search(count: 5, first: 2)
        #expect(placed == [2, 1])
        #expect(firstBad == [2])
    }

    @Test func skippedCommits_areSteppedAround_orNamedWithTheFirstBad() {
        // A skipped commit away from the boundary changes nothing but the path.
        #expect(Self.search(count: 9, first: 6, skip: [4]).firstBad == [6])
        // Skipped right before the first bad: either may be it.
        #expect(Self.search(count: 9, first: 6, skip: [5]).firstBad == [5, 6])
        // Everything between skipped: the whole range.
        #expect(Self.search(count: 5, first: 2, skip: [1, 2, 3]).firstBad == [1, 2, 3, 4])
        // A skipped middle is replaced by its nearest neighbour.
        let (_, placed) = Self.search(count: 5, first: 3, skip: [2])
        #expect(placed.first == 2 && placed.dropFirst().first.map { [1, 3].contains($0) } == true, "\(placed)")
    }

    /// Pairs whose ratio is `ratio` times a small spread (deterministic).
    static func pairs(_ n: Int, ratio: Double, spread: Double = 0.01, seed: UInt64 = 7) -> (base: [Double], head: [Double]) {
        var g = SeededGenerator(seed: seed)
        let base = (0 ..< n).map { _ in 100 * (1 + Double.random(in: -0.05 ... 0.05, using: &g)) }
        let head = base.map { $0 * ratio * (1 + Double.random(in: -spread ... spread, using: &g)) }
        return (base, head)
    }

    @Test func candidate_goesToTheSideItIsCloserTo() throws {
        let effect = 1.20
        let asGood = try #require(CandidateJudgement(base: Self.pairs(60, ratio: 1.01).base, head: Self.pairs(60, ratio: 1.01).head, effect: effect, level: 0.95))
        #expect(asGood.placement == .good && abs(asGood.fraction - log(1.01) / log(1.2)) < 0.05, "\(asGood)")
        let p = Self.pairs(60, ratio: 1.17)
        let asBad = try #require(CandidateJudgement(base: p.base, head: p.head, effect: effect, level: 0.95))
        #expect(asBad.placement == .bad && asBad.fractionLower > 0.5, "\(asBad)")
        // Halfway on a log scale (sqrt 1.2 = 1.095): the interval straddles 1/2.
        let q = Self.pairs(60, ratio: sqrt(effect))
        let middle = try #require(CandidateJudgement(base: q.base, head: q.head, effect: effect, level: 0.95))
        #expect(middle.placement == nil && middle.fractionLower < 0.5 && middle.fractionUpper > 0.5, "\(middle)")
        // A significant change of its own (+3 %) that is still far closer to good than to bad is good, not bad.
        let r = Self.pairs(60, ratio: 1.03)
        #expect(CandidateJudgement(base: r.base, head: r.head, effect: effect, level: 0.95)?.placement == .good)
    }

    @Test func candidate_worksForMeasuresWhereBiggerIsBetter() throws {
        // Throughput fell to 0.8 of good's: a commit at 0.79 is bad, one at 0.99 good.
        let bad = Self.pairs(40, ratio: 0.79), good = Self.pairs(40, ratio: 0.99)
        #expect(CandidateJudgement(base: bad.base, head: bad.head, effect: 0.8, level: 0.95)?.placement == .bad)
        #expect(CandidateJudgement(base: good.base, head: good.head, effect: 0.8, level: 0.95)?.placement == .good)
    }

    @Test func candidate_widerSpreadIsInconclusive_thenMorePairsDecide() throws {
        // 1.07 of a 1.2 effect (0.37 of it) with a wide spread: 8 pairs cannot tell, 400 can.
        let few = Self.pairs(8, ratio: 1.07, spread: 0.15), many = Self.pairs(400, ratio: 1.07, spread: 0.15)
        #expect(CandidateJudgement(base: few.base, head: few.head, effect: 1.2, level: 0.95)?.placement == nil)
        #expect(CandidateJudgement(base: many.base, head: many.head, effect: 1.2, level: 0.95)?.placement == .good)
        // Too few pairs, no effect or broken samples: no judgement at all.
        #expect(CandidateJudgement(base: [1, 2, 3], head: [1, 2, 3], effect: 1.2, level: 0.95) == nil)
        #expect(CandidateJudgement(base: many.base, head: many.head, effect: 1, level: 0.95) == nil)
        #expect(CandidateJudgement(base: many.base, head: many.head.map { _ in 0 }, effect: 1.2, level: 0.95) == nil)
    }

    @Test func target_isTheTimingThatMovedMost_amongThoseAsked() {
        func finding(_ name: String, _ measure: String, _ change: Double, _ verdict: Verdict) -> Finding {
            var f = Finding(benchmark: name, measure: measure, unit: "ns", direction: .smallerIsBetter, verdict: verdict)
            f.change = change
            return f
        }
        let report = GateReport(mode: .ab, testbed: "t", headRun: "r", baseRuns: [], findings: [
            finding("xdp/demo/a", "latency", 0.10, .regression),
            finding("macro/xdp-demo", "latency", 0.30, .regression),
            finding("macro/xdp-demo", "verified-insns", 2.0, .regression),
            finding("xdp/demo/b", "latency", 0.90, .unchanged),
            finding("macro/count", "throughput", -0.40, .regression),
        ], geomeanRatio: nil)
        #expect(Bisection.target(report).map { "\($0.benchmark) \($0.measure)" } == "macro/count throughput")
        #expect(Bisection.target(report) { $0.hasPrefix("xdp/") }?.benchmark == "xdp/demo/a")
        #expect(Bisection.target(report) { $0.hasPrefix("object/") } == nil)
    }

    @Test func pooling_takesMorePairsWhileInconclusive_thenDecidesOrGivesUp() throws {
        // The first A/B: 6 pairs spread over both sides of the middle (inconclusive); later ones: 20 pairs near 1.02.
        var asked: [Int] = [], told = 0
        let (decided, rounds) = try CandidateJudgement.pool(rounds: 10, effect: 1.2, level: 0.95, inconclusive: { _ in told += 1 }) { round in
            asked.append(round)
            let ratios = round == 1 ? [0.9, 1.25, 0.95, 1.2, 1.0, 1.05] : (0 ..< 20).map { 1.02 + Double($0 % 5 - 2) * 0.002 }
            return (ratios.map { _ in 100 }, ratios.map { 100 * $0 })
        }
        #expect(decided?.placement == .good && rounds == 2 && asked == [1, 2] && told == 1,
                "decided \(String(describing: decided)) after \(rounds) rounds, \(told) inconclusive")
        #expect(decided?.pairs == 26)
        // Halfway (sqrt 1.2): never decided; every round is taken and the last judgement says so.
        let (undecided, all) = try CandidateJudgement.pool(rounds: 3, effect: 1.2, level: 0.95) { round in
            Self.pairs(8, ratio: sqrt(1.2), spread: 0.15, seed: UInt64(round))
        }
        #expect(all == 3 && undecided?.placement == nil && undecided?.pairs == 24, "\(String(describing: undecided))")
        // Decided in the first round: no second A/B.
        var calls = 0
        let (first, one) = try CandidateJudgement.pool(rounds: 3, effect: 1.2, level: 0.95) { _ in
            calls += 1
            return Self.pairs(60, ratio: 1.2)
        }
        #expect(first?.placement == .bad && one == 1 && calls == 1)
        // An A/B that cannot time it ends the pooling with its reason.
        #expect(throws: CandidateJudgement.Unmeasured.self) {
            _ = try CandidateJudgement.pool(rounds: 3, effect: 1.2, level: 0.95) { round -> (base: [Double], head: [Double]) in
                if round == 2 { throw CandidateJudgement.Unmeasured("its A/B failed") }
                return Self.pairs(8, ratio: sqrt(1.2), spread: 0.15, seed: 1)
            }
        }
    }
}
