import BPF
import Foundation
import Results
import Statistics
import Suites
import Testing

extension PrivilegedTests {
    /// In-kernel timing: map operations and helpers, net of the empty loop, with their references.
    @Suite struct KernelSuiteTests {
        static func small() -> KernelConfig {
            var c = KernelConfig()
            c.samples = 5
            c.warmup = 1
            c.batchMilliseconds = 2
            c.linearityRuns = 1
            return c
        }

        @Test func mapOpsAndHelpers_measureInTheKernel() throws {
            let wanted: Set<String> = ["kernel/map/hash/1024/full/lookup", "kernel/map/hash/1024/full/delete-insert",
                                       "kernel/map/array/1024/full/lookup", "kernel/map/lpm-trie/1024/full/lookup",
                                       "kernel/map/queue/1024/50pct/push-pop", "kernel/map/bloom-filter/1024/50pct/peek",
                                       "kernel/helper/get_current_pid_tgid", "kernel/helper/get_stackid", "kernel/helper/spin_lock",
                                       "kernel/helper/bpf_loop"]
            var results: [BenchmarkResult] = []
            try expectKernelLeftAsFound {
                results = try KernelSuite(config: Self.small()).run(include: { wanted.contains($0) })
            }
            let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0) })
            #expect(Set(byName.keys) == wanted.union(wanted.filter { $0 != "kernel/helper/bpf_loop" }.map { "\($0)/reference" }))
            func median(_ name: String) throws -> Double {
                let m = try #require(byName[name]?.measures.first, "\(name)")
                #expect(m.status == .ok && m.samples.count == 5, "\(name): \(m.status)")
                return Descriptive.median(m.samples) ?? .nan
            }
            // Published (bench_bpf_timing): hash lookup ~20-32 ns; here ~30 ns net of an ~8 ns loop body.
            let lookup = try median("kernel/map/hash/1024/full/lookup")
            #expect(lookup > 3 && lookup < 500, "hash lookup \(lookup) ns")
            #expect(try median("kernel/map/array/1024/full/lookup") < lookup, "an array lookup is cheaper than a hash lookup")
            #expect(try median("kernel/map/hash/1024/full/delete-insert") > lookup)
            let loop = try median("kernel/helper/bpf_loop")
            #expect(loop > 0.5 && loop < 100, "bpf_loop per iteration \(loop) ns")
            // get_stackid walks the stack: far dearer than reading the pid.
            #expect(try median("kernel/helper/get_stackid") > 10 * max(1, try median("kernel/helper/get_current_pid_tgid")))
            for name in wanted where name != "kernel/helper/bpf_loop" {
                #expect(byName[name]?.reference == "\(name)/reference")
                let ref = try median("\(name)/reference")
                #expect(ref > 0.5 && ref < 200, "\(name): empty loop \(ref) ns")
            }
            _ = try median("kernel/map/lpm-trie/1024/full/lookup")
            _ = try median("kernel/map/queue/1024/50pct/push-pop")
            _ = try median("kernel/map/bloom-filter/1024/50pct/peek")
            _ = try median("kernel/helper/spin_lock")
        }

        /// Event submission from the program: every record reaches user space between batches (else the case
        /// fails), copying 4 KB into the ring buffer costs more than 64 B, and reserving in place skips the copy.
        @Test func eventSubmission_everyRecordArrives() throws {
            let wanted: Set<String> = ["kernel/helper/ringbuf_output/64", "kernel/helper/ringbuf_output/4096",
                                       "kernel/helper/ringbuf_reserve_submit/4096", "kernel/helper/perf_event_output/64",
                                       "kernel/helper/perf_event_output/4096"]
            var config = Self.small()
            config.eventBufferBytes = 4 << 20  // a 4 KB batch is capped at ~460 records: the cap is exercised
            var results: [BenchmarkResult] = []
            try expectKernelLeftAsFound {
                results = try KernelSuite(config: config).run(include: { wanted.contains($0) })
            }
            let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0) })
            func median(_ name: String) throws -> Double {
                let m = try #require(byName[name]?.measures.first, "\(name)")
                #expect(m.status == .ok && m.samples.count == 5, "\(name): \(m.status)")
                return Descriptive.median(m.samples) ?? .nan
            }
            // Each case against its reference timed in the same rounds: the VM's two speed modes (1.6-2x apart,
            // switching every few seconds) cancel, as they do for the gate; raw medians of two cases timed
            // seconds apart once put a 4 KB perf_event_output below the 64 B one.
            func cost(_ name: String) throws -> Double { try median(name) / median(name + "/reference") }
            let small = try cost("kernel/helper/ringbuf_output/64"), large = try cost("kernel/helper/ringbuf_output/4096")
            #expect(try median("kernel/helper/ringbuf_output/64") > 1 && large > small, "ringbuf_output 64 B \(small), 4 KB \(large) x reference")
            let reserve = try cost("kernel/helper/ringbuf_reserve_submit/4096")
            #expect(reserve < large, "reserve+submit writes in place: \(reserve) vs \(large) x reference")
            // perf_event_output's own cost swamps the copy here: a fresh-clone run measured 64 B and 4 KB equal
            // (772 and 771 x reference), so only a collapse (records not copied) is asserted.
            let perfSmall = try cost("kernel/helper/perf_event_output/64"), perfLarge = try cost("kernel/helper/perf_event_output/4096")
            #expect(perfLarge > 0.8 * perfSmall, "perf_event_output 64 B \(perfSmall), 4 KB \(perfLarge) x reference")
        }
    }
}
