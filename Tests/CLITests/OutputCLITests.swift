import Foundation
import Results
import Testing

/// What the commands write: devices in place (never replaced), all outputs or none, one line and exit 64 for a
/// bad path, 65 for a name that cannot be a path, and no credentials in a URL.
@Suite struct OutputCLITests {
    static func results(in dir: URL, _ i: Int = 0, edit: (inout ResultsFile) -> Void = { _ in }) throws -> String {
        var run = TrendFixture.run(i)
        edit(&run)
        let path = dir.appendingPathComponent("r\(i)-\(UUID().uuidString.prefix(6)).json").path
        try ResultsCodec.encode(run).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func listing(_ dir: URL) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    @Test(.enabled(if: getuid() == 0 || ciMode, "mknod needs root"))
    func deviceOutput_isWrittenInPlace() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Self.results(in: dir, 0), head = try Self.results(in: dir, 1)
        let node = dir.appendingPathComponent("null").path
        try #require(mknod(node, S_IFCHR | 0o666, (1 << 8) | 3) == 0)
        let r = try Invocation.run(["compare", base, head, "--verdict", node, "--markdown", node + ".md"])
        #expect([0, 2].contains(r.status), "\(r.stderr)")
        var st = stat()
        #expect(lstat(node, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "the device node must stay a device")
        #expect(FileManager.default.fileExists(atPath: node + ".md"))
    }

    @Test func aBadOutput_writesNoneOfTheOthers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Self.results(in: dir, 0), head = try Self.results(in: dir, 1)
        let md = dir.appendingPathComponent("report.md").path
        for bad in ["/", dir.path, "", "\(dir.path)/missing/v.json", "\(dir.path)/v.json/"] {
            let before = Self.listing(dir)
            let r = try Invocation.run(["compare", base, head, "--markdown", md, "--verdict", bad])
            #expect(r.status == 64, "\(bad.debugDescription): \(r.stderr)")
            #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("bpfgate: error: "), "\(r.stderr)")
            #expect(Self.listing(dir) == before, "\(bad.debugDescription) wrote something")
        }
        // Two outputs naming one file.
        let twice = try Invocation.run(["compare", base, head, "--markdown", md, "--junit", md])
        #expect(twice.status == 64 && twice.stderr.contains("two outputs"), "\(twice.stderr)")
    }

    @Test func aSymlinkedOutput_keepsItsLink() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Self.results(in: dir, 0), head = try Self.results(in: dir, 1)
        let target = dir.appendingPathComponent("real.json").path, link = dir.appendingPathComponent("link.json").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")
        let r = try Invocation.run(["compare", base, head, "--verdict", link])
        #expect([0, 2].contains(r.status), "\(r.stderr)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "real.json")
        #expect((try? String(contentsOfFile: target, encoding: .utf8))?.contains("findings") == true)
    }

    @Test func namesThatWouldBePaths_areBadInput_andWriteNothingOutside() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let work = dir.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let baselines = work.appendingPathComponent("baselines").path
        for (what, edit) in [("testbed", { (r: inout ResultsFile) in r.testbed.name = "../../escaped" }),
                             ("run id", { (r: inout ResultsFile) in r.run.id = "a/b" }),
                             ("newline", { (r: inout ResultsFile) in r.testbed.name = "tb\nx" })] as [(String, (inout ResultsFile) -> Void)] {
            let file = try Self.results(in: dir, 2, edit: edit)
            let before = Self.listing(dir)
            let r = try Invocation.run(["baseline", "save", "--baselines", baselines, "--force", "--results", file])
            #expect(r.status == 65, "\(what): \(r.stderr)")
            #expect(r.stderrLines.count == 1, "\(what): \(r.stderr)")
            #expect(Self.listing(dir) == before, "\(what): something was written")
        }
    }

    @Test func deleteByAnEmptyOrAmbiguousPrefix_deletesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let baselines = try TrendFixture.store(in: dir)
        let before = Self.listing(dir)
        let empty = try Invocation.run(["baseline", "delete", "--baselines", baselines, "--testbed", "hist", "--run", ""])
        #expect(empty.status == 64 && empty.stderrLines.count == 1, "\(empty.stderr)")
        let ambiguous = try Invocation.run(["baseline", "delete", "--baselines", baselines, "--testbed", "hist", "--run", "00000000"])
        #expect(ambiguous.status == 64 && ambiguous.stderr.contains("matches 30 runs"), "\(ambiguous.stderr)")
        #expect(Self.listing(dir) == before)
        let one = try Invocation.run(["baseline", "delete", "--baselines", baselines, "--testbed", "hist", "--run", TrendFixture.run(3).run.id])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(Self.listing(dir).count == before.count - 1)
    }

    @Test(arguments: [
        ["upload", "R", "--to", "influxdb", "--influx-url", "http://user:secret-pw@127.0.0.1:9", "--influx-db", "d"],
        ["upload", "R", "--to", "bencher", "--host", "https://tok:secret-pw@127.0.0.1:9"],
        ["upload", "R", "--to", "bencher", "--host", "http://127.0.0.1:9", "--http-timeout", "inf"],
        ["upload", "R", "--to", "bencher", "--host", "http://127.0.0.1:9", "--connect-timeout", "1e300"],
        ["upload", "R", "--to", "influxdb", "--influx-url", "http://127.0.0.1:9", "--influx-db", "d", "--branch", "main\nx=1"],
        ["compare", "R", "R", "--timeout", "1e300"],
    ])
    func badFlagValues_oneLineExit64_noSecretEchoed(args: [String]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = try Self.results(in: dir)
        let r = try Invocation.run(args.map { $0 == "R" ? results : $0 } + ["--outbox", dir.appendingPathComponent("outbox").path].filter { _ in args[0] == "upload" })
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(r.stderr)")
        #expect(!r.stderr.contains("secret-pw"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("outbox").path))
    }

    @Test func anOutboxThatIsAFile_isUsage() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = try Self.results(in: dir)
        let file = dir.appendingPathComponent("outbox").path
        try Data().write(to: URL(fileURLWithPath: file))
        let r = try Invocation.run(["upload", results, "--to", "bencher", "--host", "http://127.0.0.1:9", "--outbox", file])
        #expect(r.status == 64 && r.stderrLines.count == 1, "\(r.stderr)")
    }
}
