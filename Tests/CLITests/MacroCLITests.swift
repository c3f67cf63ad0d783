import Foundation
import Testing

/// What the macro suite touches, as seen from outside: loaded program ids, bpf_stats, the tracefs mount.
struct KernelState: Equatable, CustomStringConvertible {
    var programs: [Int]
    var bpfStats: String
    var tracefsMounted: Bool

    static func now() throws -> KernelState {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["bpftool", "prog", "list", "--json"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let list = (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
        let stats = (try? String(contentsOfFile: "/proc/sys/kernel/bpf_stats_enabled", encoding: .utf8)) ?? "?"
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return KernelState(programs: list.compactMap { $0["id"] as? Int }.sorted(),
                           bpfStats: stats.trimmingCharacters(in: .whitespacesAndNewlines),
                           tracefsMounted: mounts.contains(" tracefs "))
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

    var description: String { "programs \(programs), bpf_stats \(bpfStats), tracefs \(tracefsMounted ? "mounted" : "not mounted")" }
}

/// Stop bpfgate in the middle of the macro suite: programs, links, bpf_stats and the tracefs mount it made
/// are as before, and it writes no output.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load and attach programs; in CI this never skips"))
struct MacroSignalTests {
    @Test(arguments: [SIGINT, SIGTERM], ["tracepoint", "uprobe", "map-heavy"])
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
}
