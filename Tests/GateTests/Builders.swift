import Foundation
import Results
import Statistics

/// Synthetic runs: a benchmark `b/x` timed with the reference `b/ref`, plus a memlock measure.
enum Build {
    static let testbed = Testbed(name: "tb", kernelRelease: "6.18.44", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                                 libbpfVersion: "1.1", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0)

    /// Samples scattered deterministically around `center` by `spread` (fraction).
    static func samples(_ center: Double, spread: Double = 0.01, count: Int = 20, seed: UInt64 = 1) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0 ..< count).map { _ in center * (1 + spread * (Double(g.next() % 2001) / 1000 - 1)) }
    }

    /// One run: `x` at `value` ns with reference at `reference` ns (machine speed), memlock bytes.
    static func run(id: Int, value: Double, reference: Double = 100, memlock: Double = 8192, spread: Double = 0.01,
                    extra: [BenchmarkResult] = [], testbed: Testbed = testbed, suites: [String] = ["s"]) -> ResultsFile {
        let meta = RunMetadata(id: String(format: "00000000-0000-4000-8000-%012d", id), toolVersion: "0.1.0",
                               startedAt: "2026-11-22T00:00:00.000Z", finishedAt: "2026-11-22T00:00:01.000Z", durationSeconds: 1,
                               git: nil, bpfObjects: [], load: [], suites: suites, settings: [:])
        return ResultsFile(testbed: testbed, run: meta, benchmarks: [
            BenchmarkResult(name: "b/x", suite: "s", measures: [Measure.latency.result(samples(value, spread: spread, seed: UInt64(id)))],
                            reference: "b/ref"),
            BenchmarkResult(name: "b/ref", suite: "s", measures: [Measure.latency.result(samples(reference, spread: spread, seed: UInt64(id) + 99))]),
            BenchmarkResult(name: "b/mem", suite: "s", measures: [Measure.memlockBytes.result([memlock])]),
        ] + extra)
    }

    /// Five baseline runs whose machine speed drifts by up to +-20 % while x/ref stays 2.0 +- ~1 %.
    static func baseline(ratio: Double = 2.0) -> [ResultsFile] {
        let speeds = [1.0, 1.2, 0.85, 1.1, 0.95]
        let wobble = [1.0, 1.01, 0.99, 1.005, 0.995]
        return (0 ..< 5).map { i in run(id: i + 1, value: 100 * speeds[i] * ratio * wobble[i], reference: 100 * speeds[i]) }
    }
}
