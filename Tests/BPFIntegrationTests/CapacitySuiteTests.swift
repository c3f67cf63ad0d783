import BPF
import Foundation
import Harness
import Results
import Statistics
import Suites
import Testing

extension PrivilegedTests {
    /// The capacity suite at one rate, short windows: the hook alone is the calibration, and a program that costs
    /// over a microsecond per event is predicted near the CPU measured; what bpf_stats adds is measured; kernel
    /// state (programs, maps, tracefs mount, bpf_stats) is as before.
    @Suite struct CapacitySuiteTests {
        @Test func prediction_nearTheMeasuredCPU_hookAloneCalibrates() throws {
            var config = CapacityConfig()
            config.programs = [CapacitySuite.hookOnly, "get_stackid"]
            config.rates = [400_000]
            config.windowSeconds = 0.5
            config.rounds = 2
            let mountedBefore = TraceFS.isMounted
            let statsBefore = MacroSuiteTests.bpfStatsSysctl()
            var results: [BenchmarkResult] = []
            try expectKernelLeftAsFound { results = try CapacitySuite(config: config).run() }
            #expect(TraceFS.isMounted == mountedBefore && MacroSuiteTests.bpfStatsSysctl() == statsBefore)
            #expect(results.map(\.name) == ["capacity/hook-only/tracepoint/400000", "capacity/get-stackid/tracepoint/400000"])
            func median(_ name: String, _ m: Measure) throws -> Double {
                let b = try #require(results.first { $0.name == name }?.measure(m.slug), "\(name) \(m.slug)")
                try #require(b.status == .ok && b.samples.count == 2, "\(name) \(m.slug): \(b.status) \(b.samples)")
                return try #require(Descriptive.median(b.samples))
            }
            // The hook alone: what it adds per event is more than its own run time (the dispatch bpf_stats cannot see).
            let hook = "capacity/hook-only/tracepoint/400000"
            #expect(try median(hook, .overheadNanoseconds) > (try median(hook, .latency)))
            let hookPrediction = try #require(results.first { $0.name == hook }?.measure(Measure.cpuPercentPredicted.slug))
            #expect(hookPrediction.status != .ok)
            let stackid = "capacity/get-stackid/tracepoint/400000"
            let rate = try median(stackid, .throughput)
            #expect(rate > 390_000 && rate < 410_000, "\(rate) events/s")
            let predicted = try median(stackid, .cpuPercentPredicted), measured = try median(stackid, .cpuPercentMeasured)
            #expect(measured > 10 && abs(predicted / measured - 1) < 0.35, "predicted \(predicted) %, measured \(measured) %")
            #expect(results.first { $0.name == stackid }?.measure(Measure.statsOverheadNanoseconds.slug)?.samples.count == 2)
        }
    }
}
