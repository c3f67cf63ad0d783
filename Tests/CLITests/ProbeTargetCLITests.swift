import CorpusObjects
import Foundation
import Harness
import Results
import Testing

/// Uprobes and USDT programs on targets only their loader knows, named by a declaration with a command that reaches
/// them: a libc function the section names (driven by short-lived processes), and an interpreter-style USDT probe with
/// a semaphore in a binary of the test's own (the pattern of bcc's pythoncalls on python:function__entry).
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to load and attach programs; in CI this never skips"))
struct ProbeTargetCLITests {
    /// A program with a USDT probe guarded by its semaphore, as interpreters build theirs (sys/sdt.h).
    static let interpreter = """
    #define _SDT_HAS_SEMAPHORES 1
    #include <sys/sdt.h>
    #include <unistd.h>
    unsigned short demo_function__entry_semaphore __attribute__((section(".probes")));
    int main(void) {
        for (long i = 0;; i++) {
            if (demo_function__entry_semaphore) STAP_PROBE3(demo, function__entry, "app.py", "handle", 42);
            if ((i & 0xffff) == 0) usleep(1);
        }
    }
    """

    @Test func declaredTargets_withYourCommands_areMeasured() throws {
        let before = try KernelState.now()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let objects = try Corpus.write(try ["uprobe", "usdt"].map { (name: $0, object: try #require(Corpus.named($0))) }, to: dir)
        let source = dir.appendingPathComponent("interp.c"), binary = dir.appendingPathComponent("interp")
        try Data(Self.interpreter.utf8).write(to: source)
        let clang = Shell.run(["sh", "-c", "command -v clang || echo /opt/swift/usr/bin/clang"]).output
        let cc = Shell.run([clang, "-O1", "-o", binary.path, source.path])
        try #require(cc.status == 0, "\(cc.stderr)")
        let config = dir.appendingPathComponent("bpfgate.json")
        let json = """
        {"objects": [
          {"object": "\(objects[0])", "program": "uprobe_exit", "traffic": {"command": ["sh", "-c", "while :; do /bin/true; done"], "seconds": 60}},
          {"object": "\(objects[1])", "program": "python_entry", "target": {"binary": "\(binary.path)", "provider": "demo", "name": "function__entry"},
           "traffic": {"command": ["\(binary.path)"], "seconds": 60}}
        ]}
        """
        try Data(json.utf8).write(to: config)
        let list = try Invocation.run(["list", "--config", config.path, "--suite", "objects"])
        #expect(list.stdout.contains("object/uprobe/uprobe_exit/uprobe: uprobe uprobe/libc.so.6:exit, on libc.so.6:exit, your command"), "\(list.stdout)")
        #expect(list.stdout.contains("on \(binary.path):demo:function__entry"), "\(list.stdout)")
        let results = dir.appendingPathComponent("results.json").path
        let r = try Invocation.run(["run", "--config", config.path, "--suite", "objects", "--filter", "^object/[^/]+/[^/]+/(uprobe|usdt)$",
                                    "--samples", "4", "--quiet", "--results", results, "--output", dir.appendingPathComponent("bmf.json").path])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        for name in ["object/uprobe/uprobe_exit/uprobe", "object/usdt/python_entry/usdt"] {
            let latency = try #require(file.benchmarks.first { $0.name == name }?.measure("latency"), "\(name) missing")
            #expect(latency.status == .ok && latency.samples.count == 4 && latency.samples.allSatisfy { $0 > 1 }, "\(name): \(latency.status)")
        }
        // The commands are stopped with the benchmarks.
        let left = String(decoding: try KernelState.output(["pgrep", "-f", binary.path]), as: UTF8.self)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "left running: \(left)")
        #expect(try KernelState.settled(like: before) == before)
    }
}
