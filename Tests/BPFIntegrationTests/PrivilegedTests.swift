import BPF
import BPFCatalog
import BPFObjects
import Foundation
import Harness
import Results
import Suites
import Testing

/// Every test that touches the kernel lives under this one serialized suite, so no two run at once
/// (Swift Testing runs tests in parallel by default) and the loaded-program check sees only its own test.
@Suite(.serialized, .enabled(if: Privileged.enabled,
                             "needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_NET_ADMIN); in CI (CI=true) these never skip"))
struct PrivilegedTests {
    @Test func privileges_arePresent() {
        #expect(Privileged.missing.isEmpty, "missing \(Privileged.missing.map(\.name)); the privileged tests must run as root")
    }
}

// MARK: the libbpf layer

extension PrivilegedTests {
    @Suite struct ObjectTests {
        /// Opens the embedded probes object with only `program` set to load.
        static func probes(only program: String) throws -> BPFObject {
            let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
            try object.autoloadOnly(program)
            try object.load()
            return object
        }

        @Test func embeddedObjects_carryDigestAndCompiler() throws {
            #expect(EmbeddedBPFObject.all.map(\.name).sorted() == ["kernel", "macro", "probes", "testcases", "workloads", "xdp_demo", "xdp_demo_slow"])
            for object in EmbeddedBPFObject.all {
                #expect(SHA256.hex(object.bytes) == object.sha256, "\(object.name): the build's sha256sum and SHA256 disagree")
            }
            let probes = try #require(EmbeddedBPFObject.named("probes"))
            #expect(probes.sha256.count == 64)
            #expect(probes.compiler.contains("clang"))
            #expect(Array(probes.bytes.prefix(4)) == [0x7f, 0x45, 0x4c, 0x46])  // ELF
        }

        @Test func rawTracepoint_countsEventsAndStatsSeeThem() throws {
            try expectKernelLeftAsFound {
                let object = try Self.probes(only: "probe_raw_tp")
                defer { object.close() }
                #expect(object.programs.map(\.name).contains("probe_xdp"))
                try object.map(named: "probe_cfg").update(UInt32(0), (UInt32(getpid()), UInt32(0)))
                let prog = try object.program(named: "probe_raw_tp")
                #expect(prog.section == "raw_tracepoint/sys_enter")
                let hits = try object.map(named: "hits")
                let stats = try BPFStatsSession()
                let link = try prog.attach()
                for _ in 0 ..< 1000 { _ = getppid() }
                let info = try prog.info()
                link.destroy()
                stats.close()
                let seen = try hits.sumPerCPU(UInt32(1))
                #expect(seen >= 1000)
                #expect(info.runCount >= 1000)
                #expect(info.runTimeNanoseconds > 0)
                #expect(info.verifiedInstructions > 0)
                #expect(info.xlatedBytes > 0 && info.jitedBytes > 0)
                for _ in 0 ..< 100 { _ = getppid() }
                #expect(try hits.sumPerCPU(UInt32(1)) == seen, "the program still ran after its link was destroyed")
            }
        }

        @Test func xdp_testRunReturnsPassAndDuration() throws {
            try expectKernelLeftAsFound {
                let object = try Self.probes(only: "probe_xdp")
                defer { object.close() }
                let frame = [UInt8](repeating: 0, count: 64)
                let result = try object.program(named: "probe_xdp").testRun(input: frame, repeat: 1000)
                #expect(result.returnValue == 2)  // XDP_PASS
                #expect(result.durationNanoseconds > 0)
                #expect(try object.map(named: "hits").sumPerCPU(UInt32(9)) == 1000)
            }
        }

        @Test func verifierRejection_carriesTheVerifierLog() throws {
            try expectKernelLeftAsFound {
                let object = try BPFObject(bytes: EmbeddedBPFObject.testcases.bytes, name: "testcases")
                defer { object.close() }
                try object.autoloadOnly("reject_null_deref")
                #expect {
                    try object.load()
                } throws: { error in
                    guard case let .load(name, code, log)? = error as? BPFError else { return false }
                    let text = "\(error)"
                    return name == "testcases" && code == EACCES && log.contains("invalid mem access")
                        && !text.contains("\n") && text.contains("verifier:") && !(error as! BPFError).isPermissionDenied
                }
            }
        }

        @Test func longVerifierLog_isKeptWhole() throws {
            try expectKernelLeftAsFound {
                let object = try BPFObject(bytes: EmbeddedBPFObject.testcases.bytes, name: "testcases")
                defer { object.close() }
                try object.autoloadOnly("reject_after_long_log")
                do {
                    try object.load()
                    Issue.record("the verifier accepted reject_after_long_log")
                } catch let BPFError.load(_, _, log) {
                    #expect(log.utf8.count > 16384, "log of \(log.utf8.count) bytes")
                    #expect(log.contains("invalid mem access"), "the reason at the end of the log is missing")
                    #expect(log.contains("processed"), "the verifier's closing statistics line is missing")
                }
            }
        }

        @Test func objectFile_opensLikeEmbeddedBytes() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-\(UUID()).bpf.o").path
            try Data(EmbeddedBPFObject.probes.bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let fromFile = try BPFObject(path: path)
            let fromBytes = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
            #expect(fromFile.programs.map(\.name) == fromBytes.programs.map(\.name))
            // Internal maps (`<object>.kconfig`, `.rodata`) carry the object's name, which differs.
            let named = { (o: BPFObject) in o.mapNames.filter { !$0.contains(".") } }
            #expect(named(fromFile) == named(fromBytes))
            #expect(fromFile.mapNames.contains("hits"))
            #expect(throws: BPFError.call("bpf_object__open_file(/nonexistent.bpf.o)", errno: ENOENT)) {
                try BPFObject(path: "/nonexistent.bpf.o")
            }
        }

        @Test func unknownNames_areTypedErrors() throws {
            let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
            #expect(throws: BPFError.notFound(kind: "program", name: "nope", object: "probes")) { try object.program(named: "nope") }
            #expect(throws: BPFError.notFound(kind: "map", name: "nope", object: "probes")) { try object.map(named: "nope") }
            #expect(throws: BPFError.self) { try BPFObject(bytes: [1, 2, 3], name: "garbage") }
        }
    }
}

// MARK: maps

extension PrivilegedTests {
    @Suite struct MapTests {
        @Test(arguments: MapKind.allCases)
        func map_crudAndIteration(kind: MapKind) throws {
            let map = try BPFMap.create(type: kind.mapType, name: "bg_test", keySize: 4, valueSize: 8, maxEntries: 64, flags: kind.flags)
            let cpus = BPFLibrary.possibleCPUs
            #expect(map.valueBufferSize == (kind.mapType.isPerCPU ? 8 * cpus : 8))
            var values = [UInt64](repeating: 7, count: map.valueBufferSize / 8)
            for k in UInt32(0) ..< 10 {
                var key = k
                try values.withUnsafeBytes { try map.update(key: &key, value: $0.baseAddress!) }
            }
            if kind.mapType.isPerCPU {
                #expect(try map.sumPerCPU(UInt32(3)) == UInt64(7 * cpus))
            } else {
                #expect(try map.lookup(UInt32(3), as: UInt64.self) == 7)
            }
            var key: UInt32 = 3
            var previous: UInt32 = 0
            var next: UInt32 = 0
            var count = 0
            var more = try map.nextKey(after: nil, into: &next)
            while more {
                count += 1
                previous = next
                more = try map.nextKey(after: &previous, into: &next)
            }
            #expect(count == (kind.mapType.isArray ? 64 : 10))
            if kind.mapType.isArray {
                #expect(throws: BPFError.call("bpf_map_delete_elem(bg_test)", errno: EINVAL)) { _ = try map.delete(key: &key) }
            } else {
                #expect(try map.delete(key: &key))
                #expect(try !map.delete(key: &key))
                #expect(try !values.withUnsafeMutableBytes { try map.lookup(key: &key, value: $0.baseAddress!) })
            }
        }

        @Test func batchOps_updateAndLookupMany() throws {
            let map = try BPFMap.create(type: .hash, name: "bg_batch", keySize: 4, valueSize: 8, maxEntries: 128)
            var keys = (0 ..< UInt32(100)).map { $0 }
            var values = keys.map { UInt64($0) * 3 }
            var count = UInt32(100)
            let err = keys.withUnsafeBytes { k in values.withUnsafeBytes { v in map.rawUpdateBatch(keys: k.baseAddress!, values: v.baseAddress!, count: &count) } }
            #expect(err == 0 && count == 100)
            #expect(try map.lookup(UInt32(42), as: UInt64.self) == 126)
            var outKeys = [UInt32](repeating: 0, count: 128)
            var outValues = [UInt64](repeating: 0, count: 128)
            var next: UInt64 = 0
            var room = UInt32(128)
            let lerr = outKeys.withUnsafeMutableBytes { k in outValues.withUnsafeMutableBytes { v in
                map.rawLookupBatch(from: nil, next: &next, keys: k.baseAddress!, values: v.baseAddress!, count: &room) } }
            #expect(lerr == 0 || lerr == -ENOENT)
            #expect(room == 100)
            #expect(zip(outKeys.prefix(100), outValues.prefix(100)).allSatisfy { UInt64($0) * 3 == $1 })
            keys.removeAll(); values.removeAll()
        }

        @Test func maps_areFreedWithTheirOwner() throws {
            try expectKernelLeftAsFound {
                for kind in MapKind.allCases {
                    _ = try BPFMap.create(type: kind.mapType, name: "bg_free", keySize: 4, valueSize: 8, maxEntries: 16, flags: kind.flags)
                }
                let object = try BPFObject(bytes: EmbeddedBPFObject.probes.bytes, name: "probes")
                for p in object.programs { try p.setAutoload(false) }
                try object.load()
                #expect(try object.map(named: "hits").fd >= 0)
                object.close()
            }
        }

        @Test func memlock_preallocIsConstantNoPreallocFollowsCount() throws {
            let pre = try BPFMap.create(type: .hash, name: "bg_pre", keySize: 4, valueSize: 8, maxEntries: 10240)
            let lazy = try BPFMap.create(type: .hash, name: "bg_lazy", keySize: 4, valueSize: 8, maxEntries: 10240, flags: .noPrealloc)
            let (pre0, lazy0) = (try pre.memlockBytes(), try lazy.memlockBytes())
            for k in UInt32(0) ..< 10240 { try pre.update(k, UInt64(k)); try lazy.update(k, UInt64(k)) }
            #expect(try pre.memlockBytes() == pre0)
            #expect(try lazy.memlockBytes() > lazy0)
            #expect(lazy0 < pre0)
        }
    }
}

// MARK: the user-space map suite

extension PrivilegedTests {
    @Suite struct UserMapSuiteTests {
        static func smallConfig() -> UserMapConfig {
            var c = UserMapConfig()
            c.sizes = [64, 256]
            c.samples = 3
            c.warmup = 1
            c.batch = 16
            return c
        }

        @Test func everyTypeAndOperation_hasValueOrStatedStatus() throws {
            try expectKernelLeftAsFound {
                let suite = UserMapSuite(config: Self.smallConfig())
                let results = try suite.run()
                #expect(results.map(\.name) .sorted() == suite.plan().map(\.name).sorted())
                // Per group: empty, full, the two references and every operation.
                #expect(results.count == MapKind.allCases.count * 2 * (4 + MapOperation.allCases.count))
                for b in results {
                    let m = try #require(b.measures.first)
                    let parts = b.name.split(separator: "/")
                    try #require(parts.count == 5, "\(b.name)")
                    let kind = try #require(MapKind(rawValue: String(parts[2])))
                    if let op = MapOperation(rawValue: String(parts[4])), m.status == .ok {
                        let leaf = op == .batchUpdate || op == .batchLookup ? "reference-batch" : "reference"
                        #expect(b.reference == "user/map/\(parts[2])/\(parts[3])/\(leaf)", "\(b.name)")
                    }
                    if let op = MapOperation(rawValue: String(parts[4])), let reason = op.notApplicableReason(for: kind.mapType) {
                        #expect(m.status == .notApplicable(reason), "\(b.name)")
                        #expect(m.samples.isEmpty)
                    } else {
                        #expect(m.status == .ok, "\(b.name): \(m.status)")
                        let expected = parts[4] == "empty" || parts[4] == "full" ? 1 : 3
                        #expect(m.samples.count == expected, "\(b.name)")
                        #expect(m.samples.allSatisfy { $0 > 0 && $0.isFinite }, "\(b.name)")
                        #expect(m.unit == (expected == 1 ? "bytes" : "ns"))
                    }
                }
                // Arrays cannot delete; hashes can: the not-applicable set is exactly the array rows.
                let na = results.filter { if case .notApplicable? = $0.measures.first?.status { return true } else { return false } }
                #expect(na.count == 2 * 2 * 3)
            }
        }

        @Test func filter_runsOnlySelectedBenchmarks() throws {
            let suite = UserMapSuite(config: Self.smallConfig())
            let results = try suite.run(include: { $0.hasSuffix("/64/insert") || $0 == "user/map/array/256/full" })
            let expected = MapKind.allCases.filter { !$0.mapType.isArray }.map { "user/map/\($0.rawValue)/64/reference" }
                + MapKind.allCases.map { "user/map/\($0.rawValue)/64/insert" } + ["user/map/array/256/full"]
            #expect(results.map(\.name).sorted() == expected.sorted())
            let hashInsert = try #require(results.first { $0.name == "user/map/hash/64/insert" })
            #expect(try #require(hashInsert.measures.first).samples.count == 3)
        }

        @Test func catalog_recordsTestbedAndRunMetadata() throws {
            var request = RunRequest(suites: [UserMapSuite.name], filter: try Regex("user/map/hash/64/(update|full)$"))
            request.userMaps = Self.smallConfig()
            request.testbedName = "unit-test-bed"
            let results = try Catalog.run(request) { _ in }
            #expect(results.benchmarks.map(\.name) == ["user/map/hash/64/full", "user/map/hash/64/update", "user/map/hash/64/reference"])
            #expect(try #require(results.benchmarks.first { $0.name == "user/map/hash/64/update" }).reference == "user/map/hash/64/reference")
            #expect(results.testbed.name == "unit-test-bed")
            let release = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
            #expect(results.testbed.kernelRelease == release.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(results.testbed.libbpfVersion.hasPrefix("1."))
            #expect(results.run.bpfObjects.map(\.name).sorted() == ["kernel", "macro", "probes", "testcases", "workloads", "xdp_demo", "xdp_demo_slow"])
            #expect(results.run.settings["user-maps.batch"] == "16")
            #expect(UUID(uuidString: results.run.id) != nil)
            #expect(ResultsCodec.validate(results) == nil)
        }
    }
}

// MARK: the doctor's live probes

extension PrivilegedTests {
    @Suite struct DoctorTests {
        /// Only the families the hook table says a machine may lack (kprobes, fentry) may be missing; every
        /// other hook must load, attach and see events (the doctor never reports a pass it did not observe).
        @Test(arguments: Hook.allCases)
        func hook_isProbedLive(hook: Hook) throws {
            let tcBefore = try qdiscs("lo")
            let tracefsBefore = TraceFS.isMounted
            try expectKernelLeftAsFound {
                let finding = Doctor.probeHook(hook)
                if hook.family.mayBeUnsupported != nil {
                    #expect(finding.state == .ok || finding.state == .unsupported)
                    #expect(!finding.detail.isEmpty)
                } else {
                    #expect(finding.state == .ok, "\(hook): \(finding.detail)")
                    #expect(finding.detail.contains("events seen"))
                }
            }
            #expect(try qdiscs("lo") == tcBefore, "tc state on lo changed")
            #expect(TraceFS.isMounted == tracefsBefore, "tracefs mount state changed")
        }

        @Test func mapAndProgramProbes_coverTheSuiteTypes() {
            let findings = Doctor.run()
            for t in ["hash", "array", "percpu_hash", "percpu_array", "lru_hash", "lru_percpu_hash", "hash+BPF_F_NO_PREALLOC"] {
                #expect(findings.first { $0.area == "map" && $0.item == t }?.state == .ok, "\(t)")
            }
            for t in ["xdp", "raw_tracepoint", "tracepoint", "socket_filter", "sched_cls"] {
                #expect(findings.first { $0.area == "program" && $0.item == t }?.state == .ok, "\(t)")
            }
            #expect(findings.first { $0.item == "bpf_stats" }?.state == .ok)
        }
    }
}

// MARK: the XDP demo

extension PrivilegedTests {
    @Suite struct XDPDemoTests {
        static func config() -> XDPDemoConfig {
            var c = XDPDemoConfig()
            c.samples = 6
            c.warmup = 1
            c.repeatCount = 20000
            return c
        }

        @Test func demo_classifiesPacketsAndIsTimed() throws {
            try expectKernelLeftAsFound {
                let results = try XDPDemoSuite(config: Self.config()).run(source: try #require(ObjectSource.embedded("xdp_demo")))
                #expect(results.map(\.name) == [XDPDemoSuite.benchmark, XDPDemoSuite.reference])
                #expect(try #require(results.first).reference == XDPDemoSuite.reference)
                for r in results {
                    let m = try #require(r.measures.first, "\(r.name)")
                    #expect(m.status == .ok)
                    #expect(m.samples.count == 6)
                    #expect(m.samples.allSatisfy { $0 > 0 && $0 < 10_000 })
                    // bpf_stats sums every run's time: the mean has sub-ns resolution, unlike the test
                    // run's whole-ns `duration` (a mean over 4 packets of that moves in 0.25 ns steps).
                    #expect(m.samples.contains { ($0 * 4).rounded() != $0 * 4 }, "\(r.name): \(m.samples)")
                }
            }
        }

        @Test func demo_bothVersionsAgreeOnEveryPacket() throws {
            try expectKernelLeftAsFound {
                for name in ["xdp_demo", "xdp_demo_slow"] {
                    let program = try DemoProgramProbe(name)
                    let verdicts = try XDPDemoSuite.packets(count: 8).map { try program.run($0) }
                    // Even packets go to Fibonacci ports (XDP_PASS = 2), odd ones do not (XDP_DROP = 1).
                    #expect(verdicts == [2, 1, 2, 1, 2, 1, 2, 1], "\(name)")
                }
            }
        }

        @Test func ab_slowHeadIsSlowerOnMedian() throws {
            try expectKernelLeftAsFound {
                let (base, head) = try XDPDemoSuite(config: Self.config())
                    .runAB(base: try #require(ObjectSource.embedded("xdp_demo")), head: try #require(ObjectSource.embedded("xdp_demo_slow")))
                try #require(base.samples.count == 6 && head.samples.count == 6)
                let ratios = zip(head.samples, base.samples).map { $0 / $1 }.sorted()
                #expect(ratios[3] > 1.1, "slow/fast median ratio \(ratios[3])")
            }
        }
    }
}

/// Loads one demo object's classifier for single test runs.
struct DemoProgramProbe {
    let object: BPFObject
    init(_ name: String) throws {
        object = try BPFObject(bytes: EmbeddedBPFObject.named(name)!.bytes, name: name)
        try object.autoloadOnly("xdp_fib")
        try object.load()
    }
    func run(_ packet: [UInt8]) throws -> UInt32 {
        try object.program(named: "xdp_fib").testRun(input: packet, repeat: 1).returnValue
    }
}
