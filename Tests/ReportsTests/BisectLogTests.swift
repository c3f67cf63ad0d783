import Foundation
import Gate
import Reports
import Testing

/// What `bisect` prints: the first bad commit with its A/B row and the good commit before it, rows taken from a twin
/// placed by digest, the range when skipped commits stand in the way, and nothing to bisect.
@Suite struct BisectLogTests {
    static let (c0, c1, c2, c3, c4) = ("0000000000000000000000000000000000000000", "1111111111111111111111111111111111111111",
                                       "2222222222222222222222222222222222222222", "3333333333333333333333333333333333333333",
                                       "4444444444444444444444444444444444444444")

    /// 30 pairs of ratio `ratio` against an effect of 1.2.
    static func judgement(_ ratio: Double) -> CandidateJudgement? {
        let base = (0 ..< 30).map { 100 + Double($0 % 7) }
        return CandidateJudgement(base: base, head: base.enumerated().map { $0.element * ratio * (1 + Double($0.offset % 3 - 1) * 0.002) }, effect: 1.2, level: 0.95)
    }

    static func log(_ steps: [BisectStep], firstBad: [String]) -> BisectLog {
        var log = BisectLog(good: c0, bad: c4, commitsBetween: 3)
        (log.benchmark, log.measure, log.change, log.ratioLower, log.ratioUpper, log.pairs) = ("xdp/demo/fib-classifier", "latency", 0.2, 1.19, 1.21, 60)
        log.steps = steps
        log.firstBad = firstBad
        return log
    }

    static func step(_ commit: String, _ subject: String, _ placement: Placement, _ reason: String, ratio: Double? = nil, twin: String? = nil) -> BisectStep {
        BisectStep(commit: commit, subject: subject, placement: placement, reason: reason, objectsDigest: nil, judgement: ratio.flatMap(judgement),
                   sameObjectsAs: twin)
    }

    @Test func found_timedCommit_withTheTimedGoodOneBeforeIt() throws {
        let text = Self.log([
            Self.step(Self.c0, "c0", .good, "the good end"), Self.step(Self.c1, "c1 comment", .good, "timed", ratio: 1.01),
            Self.step(Self.c2, "c2 slow", .bad, "timed", ratio: 1.2), Self.step(Self.c4, "c4", .bad, "the bad end"),
        ], firstBad: [Self.c2]).summary
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(text)")
        #expect(lines[0] == "first bad commit: \(Self.c2) c2 slow")
        #expect(lines[1].hasPrefix("  xdp/demo/fib-classifier latency: +20.0 % [") && lines[1].hasSuffix("against good 000000000000, 30 pairs: 1.00 of the bad commit's change (bad)"),
                "\(lines[1])")
        #expect(lines[2].hasPrefix("  the good commit before it, 111111111111: +1.0 % [") && lines[2].hasSuffix(": 0.05 of the bad commit's change (good)"), "\(lines[2])")
        #expect(lines[3] == "  bad against good: xdp/demo/fib-classifier latency +20.0 % [+19.0 %, +21.0 %], 60 pairs; 3 commit(s) between them: 2 timed, 0 placed by their objects' digest, 0 skipped")
    }

    @Test func found_byDigest_showsTheTwinsRow() {
        let text = Self.log([
            Self.step(Self.c0, "c0", .good, "the good end"), Self.step(Self.c1, "c1 readme", .good, "same objects as 000000000000", twin: Self.c0),
            Self.step(Self.c3, "c3 slow", .bad, "same objects as 444444444444", twin: Self.c4), Self.step(Self.c4, "c4 readme", .bad, "the bad end"),
        ], firstBad: [Self.c3]).summary
        #expect(text.contains("first bad commit: \(Self.c3) c3 slow\n  xdp/demo/fib-classifier latency: +20.0 % [+19.0 %, +21.0 %], 60 pairs against good 000000000000 (the same objects as 444444444444)\n"), "\(text)")
        #expect(text.contains("  the good commit before it, 111111111111: the good revision's speed (the same objects as 000000000000)\n"), "\(text)")
        #expect(text.contains("0 timed, 2 placed by their objects' digest, 0 skipped"), "\(text)")
    }

    @Test func theBadEndItself_andARange_andNothingToBisect() {
        let bad = Self.log([Self.step(Self.c0, "c0", .good, "the good end"), Self.step(Self.c4, "c4", .bad, "the bad end")], firstBad: [Self.c4]).summary
        #expect(bad.contains("first bad commit: \(Self.c4) c4\n  xdp/demo/fib-classifier latency: +20.0 % [+19.0 %, +21.0 %], 60 pairs against good 000000000000 (the bad revision)\n  the good commit before it, 000000000000: the good revision\n"), "\(bad)")

        let range = Self.log([
            Self.step(Self.c0, "c0", .good, "the good end"), Self.step(Self.c1, "c1 broken", .skipped, "does not build: compiling failed"),
            Self.step(Self.c2, "c2 slow", .bad, "timed", ratio: 1.2), Self.step(Self.c4, "c4", .bad, "the bad end"),
        ], firstBad: [Self.c1, Self.c2]).summary
        #expect(range.hasPrefix("the first bad commit is one of 2 (the others could not be placed):\n  111111111111 c1 broken: skipped, does not build: compiling failed\n  222222222222 c2 slow: bad, timed\n"), "\(range)")
        #expect(range.contains("1 timed, 0 placed by their objects' digest, 1 skipped"), "\(range)")

        let none = BisectLog(good: Self.c0, bad: Self.c4, commitsBetween: 3)
        #expect(none.summary == "bisect: 444444444444 is not slower than 000000000000 in any timing its A/B judged: nothing to bisect\n")
        #expect(!none.found)
    }

    @Test func json_carriesTheSearch() throws {
        let log = Self.log([Self.step(Self.c0, "c0", .good, "the good end"), Self.step(Self.c2, "c2", .bad, "timed", ratio: 1.2),
                            Self.step(Self.c4, "c4", .bad, "the bad end")], firstBad: [Self.c2])
        let json = try #require(try JSONSerialization.jsonObject(with: BisectLog.encode(log)) as? [String: Any])
        #expect(json["firstBad"] as? [String] == [Self.c2] && json["benchmark"] as? String == "xdp/demo/fib-classifier")
        let steps = try #require(json["steps"] as? [[String: Any]])
        #expect(steps.map { $0["placement"] as? String } == ["good", "bad", "bad"])
        #expect(((steps[1]["judgement"] as? [String: Any])?["pairs"] as? Int) == 30)
    }
}
