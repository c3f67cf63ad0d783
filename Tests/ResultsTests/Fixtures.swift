import Foundation
import Results

/// A fixed results file used by the golden tests: every status, flags, two measures.
enum Fixtures {
    static let testbed = Testbed(kernelRelease: "6.18.44-fc-v445", architecture: "x86_64", cpuModel: "Test CPU @ 2.0GHz",
                                 cpuCount: 2, libbpfVersion: "1.1", clangVersion: "clang version 21.0.0",
                                 jitEnabled: true, jitHarden: 0)

    static let results = ResultsFile(
        testbed: testbed,
        run: RunMetadata(id: "00000000-0000-4000-8000-000000000001", toolVersion: "0.1.0",
                         startedAt: "2026-11-22T01:00:00.000Z", finishedAt: "2026-11-22T01:00:05.500Z",
                         durationSeconds: 5.5, git: GitState(commit: String(repeating: "a", count: 40), dirty: true),
                         bpfObjects: [ObjectDigest(name: "probes", sha256: String(repeating: "0", count: 64))],
                         load: [], suites: ["user-maps"], settings: ["user-maps.samples": "4"]),
        benchmarks: [
            BenchmarkResult(name: "user/map/hash/1024/update", suite: "user-maps",
                            measures: [Measure.latency.result([1000, 1010, 990, 1500])]),
            BenchmarkResult(name: "user/map/hash/1024/full", suite: "user-maps",
                            measures: [Measure.memlockBytes.result([82960])]),
            BenchmarkResult(name: "user/map/array/1024/delete", suite: "user-maps",
                            measures: [.without(.latency, .notApplicable("array elements cannot be deleted"))]),
            BenchmarkResult(name: "user/map/lru-hash/1024/lookup", suite: "user-maps",
                            measures: [.without(.latency, .failed("bpf_map_lookup_elem failed"))]),
            BenchmarkResult(name: "kernel/helper/ktime_get_ns", suite: "kernel-helpers",
                            measures: [Measure.latency.result([20.5, 21.25, 20.0], flags: ["nonlinear"]),
                                       .without(Measure(slug: "throughput", unit: "ops/s", direction: .biggerIsBetter),
                                                .unsupported("not measured here"))]),
        ])

    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// Compares `data` with the golden file; `BPFGATE_RECORD_GOLDEN=1` rewrites it instead.
    static func matchesGolden(_ data: Data, _ name: String) throws -> Bool {
        let url = goldenDirectory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["BPFGATE_RECORD_GOLDEN"] == "1" {
            try data.write(to: url)
            return true
        }
        return try Data(contentsOf: url) == data
    }
}
