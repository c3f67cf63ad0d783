import Foundation
import Harness
import Results
import Testing

/// `bpfgate observe` on a program another process loaded and attached: its latency and run rate, bpf_stats off again.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to read other processes' programs and turn bpf_stats on; in CI this never skips"))
struct ObserveCLITests {
    @Test func observe_timesAnotherProcesssProgram_statsOffAfter() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Another process: a bpfgate run that keeps the getppid() tracepoint's counting program loaded for a few
        // seconds, attached in half of its windows, under its own getppid() traffic.
        let other = Process()
        other.executableURL = URL(fileURLWithPath: Invocation.binary)
        other.arguments = ["run", "--suite", "macro", "--filter", "^macro/count/tracepoint$", "--samples", "150", "--quiet",
                           "--output", dir.appendingPathComponent("other.json").path]
        other.standardOutput = FileHandle.nullDevice
        other.standardError = FileHandle.nullDevice
        try other.run()
        defer { if other.isRunning { kill(other.processIdentifier, SIGTERM) }; other.waitUntilExit() }
        // Wait for its program (the kernel keeps 15 characters of the name).
        let deadline = Date().addingTimeInterval(20)
        var listed = ""
        while Date() < deadline {
            listed = Shell.run(["bpftool", "prog", "list"]).stdout
            if listed.contains("probe_tracepoin") { break }
            usleep(50_000)
        }
        try #require(listed.contains("probe_tracepoin"), "the other process's program never appeared")
        let results = dir.appendingPathComponent("observed.json").path
        let r = try Invocation.run(["observe", "--name", "^probe_tracepoin", "--process", "^bpfgate$", "--duration", "0.5", "--windows", "2",
                                    "--output", dir.appendingPathComponent("bmf.json").path, "--results", results])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("observe: bpf_stats on for 1 s"), "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        let b = try #require(file.benchmarks.first, "\(r.stderr)")
        #expect(b.name.hasPrefix("observe/bpfgate/probe_tracepoin/") && b.suite == "observe", "\(b.name)")
        let latency = try #require(b.measure("latency"))
        #expect(latency.status == .ok && latency.samples.allSatisfy { $0 > 0 && $0 < 100_000 }, "\(latency.status) \(latency.samples)")
        let rate = try #require(b.measure("runs-per-second"))
        #expect(rate.samples.count == 2 && rate.samples.contains { $0 > 1000 }, "\(rate.samples)")
        #expect(b.notes.first?.contains("held by bpfgate") == true, "\(b.notes)")
        #expect(try String(contentsOfFile: "/proc/sys/kernel/bpf_stats_enabled", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // Nothing matches: one line, exit 65.
        let none = try Invocation.run(["observe", "--name", "^no-such-program-x$", "--duration", "0.1"])
        #expect(none.status == 65 && none.stderrLines.count == 1 && none.stderr.contains("no loaded BPF program"), "\(none.stderr)")
        if other.isRunning { kill(other.processIdentifier, SIGTERM) }
        other.waitUntilExit()
        #expect(try KernelState.settled(like: before) == before)
    }
}
