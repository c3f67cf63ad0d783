import Configuration
import Foundation
import Results
import Testing

/// The time left on progress lines: from the suites' seconds of the last stored run of the same plan, else the
/// built-in profile's, else unknown (elapsed only).
@Suite struct RunClockTests {
    static func stored(profile: String, suites: [String: Double]) -> ResultsFile {
        var settings = ["profile": profile]
        for (suite, seconds) in suites { settings[RunClock.settingsKey(suite)] = String(seconds) }
        return ResultsFile(testbed: Testbed(name: "tb", kernelRelease: "6.18", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                                            libbpfVersion: "1.1", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0),
                           run: RunMetadata(id: "r", toolVersion: "0.1.0", startedAt: "2026-11-30T00:00:00.000Z", finishedAt: "2026-11-30T00:01:00.000Z",
                                            durationSeconds: 60, git: nil, bpfObjects: [], load: [], suites: Array(suites.keys), settings: settings),
                           benchmarks: [])
    }

    @Test func timeLeft_fromTheLastRunOfTheSameProfile_thenFromTheSuiteUnderWay() throws {
        var plan = RunPlan(suites: ["user-maps", "macro"])
        plan.profile = "gate"
        let history = [Self.stored(profile: "gate", suites: ["user-maps": 10, "macro": 50]),
                       Self.stored(profile: "quick", suites: ["user-maps": 1, "macro": 2])]
        let expected = RunClock.expected(for: plan, history: history)
        #expect(expected == ["user-maps": 10, "macro": 50])
        let t0 = Date(timeIntervalSince1970: 0)
        let clock = RunClock(suites: ["user-maps", "macro"], expected: expected, now: t0)
        #expect(clock.secondsLeft(now: t0) == 60)
        #expect(clock.line("[1/7] user/map/hash/1024", now: t0.addingTimeInterval(4)) == "0:04, ~0:56 left, user-maps (1/2): [1/7] user/map/hash/1024")
        clock.begin("macro", now: t0.addingTimeInterval(12))
        #expect(clock.secondsLeft(now: t0.addingTimeInterval(32)) == 30)
        // A suite that overruns its estimate leaves 0, never a negative time.
        #expect(clock.secondsLeft(now: t0.addingTimeInterval(100)) == 0)
    }

    @Test func noHistory_builtInProfileOrNothing() {
        var plan = RunPlan(suites: ["user-maps", "xdp-demo"])
        plan.profile = "quick"
        #expect(RunClock.expected(for: plan, history: []) == RunClock.typicalSeconds["quick"])
        plan.profile = "mine"
        let clock = RunClock(suites: ["user-maps", "objects"], expected: RunClock.expected(for: plan, history: []))
        #expect(clock.secondsLeft() == nil)
        #expect(!clock.line("x").contains("left"))
        #expect(RunClock.clock(125.4) == "2:05")
    }
}
