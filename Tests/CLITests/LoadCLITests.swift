import Foundation
import Testing

/// `--load`: stress-ng runs during the run, is recorded in the run metadata, and is gone afterwards on every
/// exit path (normal, SIGINT, SIGTERM, SIGKILL).
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to create BPF maps; in CI this never skips"))
struct LoadCLITests {
    static func stressNG() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("stress-ng") == true
        }
    }

    static func gone() -> Bool {
        let deadline = Date().addingTimeInterval(3)
        while !stressNG().isEmpty && Date() < deadline { usleep(50_000) }
        return stressNG().isEmpty
    }

    static let small = ["--suite", "user-maps", "--sizes", "64", "--batch", "16", "--warmup", "1"]

    @Test func load_isRecordedAndStopped() throws {
        #expect(Self.stressNG().isEmpty, "a stress-ng runs before the test")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.json").path
        let r = try Invocation.run(["run", "--quiet", "--load", "cpu:50", "--load", "vm:5", "--samples", "3",
                                    "--output", dir.appendingPathComponent("bmf.json").path, "--results", results] + Self.small)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bmf.json").path))
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: results))) as? [String: Any])
        let run = try #require(doc["run"] as? [String: Any])
        #expect(run["load"] as? [String] == ["cpu:50", "vm:5"])
        let settings = try #require(run["settings"] as? [String: String])
        #expect(settings["load.cpu:50"]?.hasPrefix("stress-ng --cpu 0 --cpu-load 50") == true)
        #expect(Self.gone(), "stress-ng left running: \(Self.stressNG())")
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func stopMidRun_leavesNoStressNG(sig: Int32) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Invocation.run(["run", "--quiet", "--load", "cpu:30", "--samples", "100000",
                                    "--output", dir.appendingPathComponent("bmf.json").path] + Self.small,
                                   signal: sig, after: 1.0)
        #expect(r.status == 128 + sig || (sig == SIGKILL && r.status == SIGKILL), "\(r.status) \(r.stderr)")
        #expect(Self.gone(), "stress-ng left running after signal \(sig): \(Self.stressNG())")
    }
}
