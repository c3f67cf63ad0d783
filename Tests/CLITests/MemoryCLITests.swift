import Foundation
import Results
import Testing

/// `run --suite memory`: each map's memlock beside the kernel memory charged for it, in a memory cgroup of bpfgate's
/// own that is gone afterwards.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to create maps and memory cgroups; in CI this never skips"))
struct MemoryCLITests {
    /// bpfgate-memory-* directories beside this process's memory cgroup (cgroup v1 memory or v2).
    static func leftoverCgroups() -> [String] {
        let membership = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        var dirs = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]  // cgroup v2: the child is made under the root
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            if parts[1].split(separator: ",").contains("memory") { dirs.append("/sys/fs/cgroup/memory" + parts[2]) }
            if parts[0] == "0" { dirs.append("/sys/fs/cgroup" + parts[2]); dirs.append("/sys/fs/cgroup/unified" + parts[2]) }
        }
        return dirs.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("bpfgate-memory-") }.map { "\(dir)/\($0)" }
        }
    }

    @Test func memory_chargesBesideMemlock_preallocatedAgainstNot() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("r.json").path
        let r = try Invocation.run(["run", "--suite", "memory", "--filter", "^memory/map/(hash|hash-noprealloc|percpu-array)/10240/8/",
                                    "--quiet", "--results", results, "--output", dir.appendingPathComponent("bmf.json").path])
        try #require(r.status == 0, "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        func bytes(_ name: String, _ measure: Measure) throws -> Double {
            let m = try #require(file.benchmarks.first { $0.name == name }?.measure(measure.slug), "\(name) \(measure.slug)")
            try #require(m.status == .ok, "\(name) \(measure.slug): \(m.status)")
            return try #require(m.samples.sorted().dropFirst(m.samples.count / 2).first)
        }
        // A preallocated hash takes its elements at creation: charged empty as full, within a few pages of its memlock.
        let hashEmpty = try bytes("memory/map/hash/10240/8/empty", .chargedBytes)
        #expect(hashEmpty == (try bytes("memory/map/hash/10240/8/full", .chargedBytes)))
        let memlock = try bytes("memory/map/hash/10240/8/empty", .memlockBytes)
        #expect(abs(hashEmpty - memlock) < 64 * 1024, "charged \(hashEmpty), memlock \(memlock)")
        // Without preallocation it is small empty and grows with every element written.
        let noEmpty = try bytes("memory/map/hash-noprealloc/10240/8/empty", .chargedBytes)
        let noFull = try bytes("memory/map/hash-noprealloc/10240/8/full", .chargedBytes)
        #expect(noEmpty < hashEmpty / 2 && noFull > noEmpty + 10240 * 16, "empty \(noEmpty), full \(noFull), preallocated \(hashEmpty)")
        #expect(try bytes("memory/map/hash-noprealloc/10240/8/full", .memlockBytes) > (try bytes("memory/map/hash-noprealloc/10240/8/empty", .memlockBytes)))
        // A per-CPU map: measured where the counter shows per-CPU memory, else a stated reason.
        let percpu = try #require(file.benchmarks.first { $0.name == "memory/map/percpu-array/10240/8/empty" }?.measure(Measure.chargedBytes.slug))
        #expect(percpu.status == .ok || percpu.status.reason?.contains("percpu allocator") == true, "\(percpu.status)")
        #expect(Self.leftoverCgroups().isEmpty, "\(Self.leftoverCgroups())")
        #expect(try KernelState.settled(like: before) == before)
    }
}
