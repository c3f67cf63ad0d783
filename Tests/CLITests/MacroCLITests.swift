import Foundation
import Results
import Testing

/// What the macro suite touches, as seen from outside: loaded program ids, bpf_stats, the tracefs mount.
struct KernelState: Equatable, CustomStringConvertible {
    var programs: [Int]
    var bpfStats: String
    var tracefsMounted: Bool
    /// Links and named network namespaces in bpfgate's own namespace (it should make none).
    var links: String
    var namespaces: String
    /// bpfgate-* directories in the cgroup v2 hierarchy's top.
    var cgroups: [String]

    /// stdout of a system command (PATH lookup through env).
    static func output(_ argv: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    static func now() throws -> KernelState {
        let list = (try JSONSerialization.jsonObject(with: try output(["bpftool", "prog", "list", "--json"])) as? [[String: Any]]) ?? []
        let stats = (try? String(contentsOfFile: "/proc/sys/kernel/bpf_stats_enabled", encoding: .utf8)) ?? "?"
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        func ip(_ args: [String]) throws -> String { String(decoding: try output(["ip"] + args), as: UTF8.self) }
        let links = try ip(["-o", "link", "show"]).split(separator: "\n").map { $0.split(separator: ":").dropFirst().first ?? "" }
        return KernelState(programs: list.compactMap { $0["id"] as? Int }.sorted(),
                           bpfStats: stats.trimmingCharacters(in: .whitespacesAndNewlines),
                           tracefsMounted: mounts.contains(" tracefs "),
                           links: links.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ","),
                           namespaces: try ip(["netns", "list"]), cgroups: cgroups(mounts))
    }

    static func cgroups(_ mounts: String) -> [String] {
        let fields: [[Substring]] = mounts.split(separator: "\n").map { $0.split(separator: " ") }
        guard let entry = fields.first(where: { $0.count > 2 && $0[2] == "cgroup2" }),
              let entries = try? FileManager.default.contentsOfDirectory(atPath: String(entry[1])) else { return [] }
        return entries.filter { $0.hasPrefix("bpfgate-") }.sorted()
    }

    /// The state after the kernel had time to free what a dead process held (RCU).
    static func settled(like expected: KernelState) throws -> KernelState {
        var now = try now()
        let deadline = Date().addingTimeInterval(3)
        while now != expected && Date() < deadline {
            usleep(50_000)
            now = try Self.now()
        }
        return now
    }

    var description: String {
        "programs \(programs), bpf_stats \(bpfStats), tracefs \(tracefsMounted ? "mounted" : "not mounted"), links \(links), netns [\(namespaces)], cgroups \(cgroups)"
    }
}

/// One serialized suite (the tests watch machine-wide state). Stop bpfgate in the middle of the macro suite: programs, links, bpf_stats, the tracefs mount, network
/// devices and namespaces are as before, and it writes no output.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load and attach programs; in CI this never skips"))
struct MacroSignalTests {
    @Test(arguments: [SIGINT, SIGTERM], ["count/tracepoint", "uprobe$", "map-heavy", "count/xdp", "count/tc", "count/cgroup-skb", "count-tcp/xdp", "ringbuf-4096"])
    func stopMidSuite_leavesKernelAsFound(sig: Int32, program: String) throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bmf = dir.appendingPathComponent("bmf.json").path
        let r = try Invocation.run(["run", "--suite", "macro", "--filter", program, "--samples", "1000", "--quiet", "--output", bmf],
                                   signal: sig, after: 1.0)
        #expect(r.status == 128 + sig, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let after = try KernelState.settled(like: before)
        #expect(after == before, "before: \(before); after: \(after)")
    }

    /// The gate's demo under real veth traffic: the slow version costs more per packet than the fast one, each
    /// measured against the counting XDP program in alternating windows; the results file names that reference, so
    /// the gate judges the demo on its ratio. One run loads each program once, and where the JIT puts it moves its
    /// speed: over 30 runs slow/fast was 1.10-1.73, and at 80cb2bd one fresh-clone run of two measured 0.98 (the fast
    /// load at 1.92x its reference against a usual 1.6-1.7). So the majority of up to 5 runs decides.
    @Test func slowDemoUnderTraffic_costsMoreThanFast() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.json").path
        let bmf = dir.appendingPathComponent("bmf.json").path
        var above = 0, below = 0, seen: [Double] = []
        while above < 3 && below < 3 {
            let run = try Invocation.run(["run", "--quiet", "--suite", "macro", "--filter", "xdp-demo", "--samples", "8",
                                          "--results", results, "--output", bmf])
            try #require(run.status == 0, "\(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: bmf))
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: results))) as? [String: Any])
            let benchmarks = try #require(doc["benchmarks"] as? [[String: Any]])
            func samples(_ name: String) throws -> [Double] {
                let b = try #require(benchmarks.first { $0["name"] as? String == name }, "\(name)")
                let m = try #require((b["measures"] as? [[String: Any]])?.first { $0["measure"] as? String == "latency" })
                return try #require(m["samples"] as? [Double])
            }
            func ratio(_ program: String) throws -> Double {
                let pairs = zip(try samples("macro/\(program)/xdp"), try samples("macro/\(program)/xdp/reference")).map { $0 / $1 }.sorted()
                try #require(!pairs.isEmpty, "\(program): no window pairs")
                return pairs[pairs.count / 2]
            }
            for program in ["xdp-demo", "xdp-demo-slow"] {
                let b = try #require(benchmarks.first { $0["name"] as? String == "macro/\(program)/xdp" })
                #expect(b["reference"] as? String == "macro/\(program)/xdp/reference")
                #expect(try samples("macro/\(program)/xdp").count == 8)
            }
            let slowOverFast = try ratio("xdp-demo-slow") / ratio("xdp-demo")
            seen.append(slowOverFast)
            if slowOverFast > 1.05 { above += 1 } else { below += 1 }
        }
        #expect(above == 3, "slow/fast per run: \(seen)")
    }

    /// A/B under real traffic: base and head demo objects take turns on the veth, window by window. The slow
    /// demo as head is a regression (exit 2); the fast one against itself is not (exit 0).
    @Test func abUnderTraffic_slowHeadRegresses_sameHeadPasses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let objects = dir.appendingPathComponent("objects").path, slow = dir.appendingPathComponent("slow").path
        #expect(try Invocation.run(["objects", "export", objects]).status == 0)
        try FileManager.default.createDirectory(atPath: slow, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(objects)/xdp_demo_slow.bpf.o", toPath: "\(slow)/xdp_demo.bpf.o")
        // 30 window pairs: measured 12 times, the slow head came out +36..+52 % (interval 1.29..1.82) with 10
        // or 20 pairs; one CI run with 10 saw a disturbed pair or two widen it to 0.93..2.40 and miss it, and a
        // fresh-clone run with 16 saw +12.5 % (1.049..1.245), inside the 5 % band first tried for attached A/B.
        let select = ["--suite", "macro", "--filter", "^macro/xdp-demo/xdp$", "--samples", "30"]
        let verdict = dir.appendingPathComponent("verdict.json").path
        let regressed = try Invocation.run(["check", "--base-objects", objects, "--head-objects", slow, "--verdict", verdict] + select)
        #expect(regressed.status == 2, "\(regressed.stdout)\(regressed.stderr)")
        let findings = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: verdict))) as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.map { $0["benchmark"] as? String } == ["macro/xdp-demo/xdp"])
        #expect(findings.first?["verdict"] as? String == "regression" && (findings.first?["observations"] as? Int ?? 0) >= 6,
                "\(findings) \(regressed.stdout) \(regressed.stderr)")
        let same = try Invocation.run(["check", "--base-objects", objects] + select)
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
    }

    /// The next start that works with the kernel (a `run`; commands that only read files leave the journal alone).
    static func smallRun(in dir: URL) -> [String] {
        ["run", "--quiet", "--suite", "user-maps", "--sizes", "64", "--batch", "16", "--samples", "2", "--warmup", "0",
         "--filter", "^user/map/hash/64/update$", "--output", dir.appendingPathComponent("next-\(UUID().uuidString.prefix(8)).json").path]
    }

    /// SIGKILL leaves what the kernel does not free by itself (here the tracefs mount bpfgate made); the
    /// next bpfgate start finds it in its journal and removes it, saying so.
    @Test func sigkill_leftoversAreRemovedByTheNextStart() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Invocation.run(["run", "--suite", "macro", "--filter", "count/tracepoint", "--samples", "1000", "--quiet",
                                    "--output", dir.appendingPathComponent("bmf.json").path], signal: SIGKILL, after: 1.0)
        #expect(r.status == 128 + SIGKILL || r.status == SIGKILL, "\(r.status) \(r.stderr)")
        let killed = try KernelState.settled(like: before)
        // Programs, links and bpf_stats are fds: the kernel freed them with the process.
        #expect(killed.programs == before.programs && killed.bpfStats == before.bpfStats)
        if !before.tracefsMounted {
            #expect(killed.tracefsMounted, "bpfgate was killed after mounting tracefs: the mount outlives it")
        }
        // A command that only reads files leaves the journal (and the mount) alone.
        let pure = try Invocation.run(["list", "--suite", "macro"])
        #expect(pure.status == 0 && !pure.stderr.contains("removed"), "\(pure.stderr)")
        if !before.tracefsMounted { #expect(try KernelState.now().tracefsMounted) }
        let next = try Invocation.run(Self.smallRun(in: dir))
        #expect(next.status == 0, "\(next.stderr)")
        if !before.tracefsMounted {
            #expect(next.stderr.contains("removed the tracefs mount at /sys/kernel/tracing, left by bpfgate pid"), "\(next.stderr)")
        }
        #expect(try KernelState.now() == before)
    }

    /// Where bpf_enable_stats() is missing (forced here with BPFGATE_STATS=sysctl) bpfgate turns on the
    /// kernel.bpf_stats_enabled sysctl for its windows: latency is measured (run_cnt counts only with stats
    /// on), and the sysctl is as before after a normal exit, SIGINT and SIGTERM; after SIGKILL the next
    /// start sets it back.
    @Test func statsSysctlFallback_isRestoredOnEveryExitPath() throws {
        let before = try KernelState.now()
        #expect(before.bpfStats == "0", "this test needs bpf_stats off to start with")
        let sysctl = ["BPFGATE_STATS": "sysctl"]
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.json").path
        let run = try Invocation.run(["run", "--quiet", "--suite", "macro", "--filter", "^macro/count/tracepoint$", "--samples", "4",
                                      "--results", results, "--output", dir.appendingPathComponent("bmf.json").path], environment: sysctl)
        #expect(run.status == 0, "\(run.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        let latency = try #require(file.benchmarks.first?.measures.first { $0.measure == "latency" })
        #expect(latency.status == .ok && latency.samples.count == 4, "\(latency)")
        #expect(try KernelState.settled(like: before) == before)
        for sig in [SIGINT, SIGTERM] {
            let r = try Invocation.run(["run", "--suite", "macro", "--filter", "^macro/count/tracepoint$", "--samples", "1000", "--quiet",
                                        "--output", dir.appendingPathComponent("bmf-\(sig).json").path], signal: sig, after: 1.0,
                                       environment: sysctl)
            #expect(r.status == 128 + sig, "\(r.stderr)")
            #expect(try KernelState.settled(like: before) == before, "after signal \(sig)")
        }
        let killed = try Invocation.run(["run", "--suite", "macro", "--filter", "^macro/count/tracepoint$", "--samples", "1000", "--quiet",
                                         "--output", dir.appendingPathComponent("bmf-killed.json").path], signal: SIGKILL, after: 1.0,
                                        environment: sysctl)
        #expect(killed.status == 128 + SIGKILL || killed.status == SIGKILL)
        #expect(try KernelState.now().bpfStats == "1", "killed with its windows running, bpfgate left the sysctl on")
        let next = try Invocation.run(Self.smallRun(in: dir))
        #expect(next.stderr.contains("removed the change to /proc/sys/kernel/bpf_stats_enabled (set back to 0)"), "\(next.stderr)")
        #expect(try KernelState.settled(like: before) == before)
    }

    @Test func twoRunsAtOnce_doNotCollide() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["run", "--suite", "macro", "--filter", "count/(tracepoint|uprobe)$", "--samples", "5", "--output"]
        // Two bpfgate processes started together, each waited for on its own thread, each writing its own file.
        let outputs = ["a", "b"].map { dir.appendingPathComponent("bmf-\($0).json").path }
        let results = outputs.map { args + [$0] }.concurrentMap { try? Invocation.run($0) }
        for r in results {
            let r = try #require(r)
            #expect(r.status == 0, "\(r.stderr)")
        }
        // One of them waited for the other's macro lock.
        #expect(results.contains { $0?.stderr.contains("waiting for another bpfgate") == true })
        #expect(outputs.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(try KernelState.settled(like: before) == before)
    }
}

extension Array where Element: Sendable {
    /// `map` with every element on its own thread (DispatchQueue.concurrentPerform), in order.
    func concurrentMap<T>(_ transform: @Sendable (Element) -> T) -> [T] {
        let lock = NSLock()
        var out = [T?](repeating: nil, count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let value = transform(self[i])
            lock.withLock { out[i] = value }
        }
        return out.map { $0! }
    }
}
