import Foundation
import Results
import Testing

/// Starts a stand-in server and waits (up to 15 s) for the port it writes to `portFile`.
func startStub(_ process: Process, portFile: String, name: String) throws -> Int {
    try process.run()
    let deadline = Date().addingTimeInterval(15)
    var port: Int?
    while port == nil && Date() < deadline && process.isRunning {
        port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
        if port == nil { Thread.sleep(forTimeInterval: 0.05) }
    }
    guard let port else {
        process.terminate()
        throw BencherStub.StubError(problem: "\(name) did not start")
    }
    return port
}

/// The Bencher stand-in (ci/test-servers/bencher_stub.py) on a loopback port, for one test.
final class BencherStub {
    let process = Process()
    let dir: URL
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ci/test-servers/bencher_stub.py").path
    }

    init(plan: [String] = [], key: String? = nil, alerts: Int = 0, port: Int = 0, in dir: URL) throws {
        self.dir = dir
        let portFile = dir.appendingPathComponent("port").path
        try? FileManager.default.removeItem(atPath: portFile)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = ["python3", Self.script, "--port-file", portFile, "--log", dir.appendingPathComponent("stub.log").path,
                    "--plan", plan.joined(separator: ","), "--alerts", String(alerts), "--port", String(port)]
        if let key { args += ["--key", key] }
        // Bencher's own OpenAPI description, when it is beside the repository (not in a clean clone).
        let openapi = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("../../../shared/fixtures/bencher/openapi.json").standardized.path
        if FileManager.default.fileExists(atPath: openapi) { args += ["--openapi", openapi] }
        process.arguments = args
        self.port = try startStub(process, portFile: portFile, name: "the Bencher stub")
    }

    struct StubError: Error { let problem: String }

    /// Every logged line: requests (method, path, headers, body, step) and events (created, invalid).
    func log() throws -> [[String: Any]] {
        let text = (try? String(contentsOf: dir.appendingPathComponent("stub.log"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }
    func requests() throws -> [[String: Any]] { try log().filter { $0["method"] != nil } }
    func events(_ kind: String) throws -> [[String: Any]] { try log().filter { $0["event"] as? String == kind } }

    func stop() {
        // SIGKILL: a test server keeps nothing, and a signal mask inherited from the test runner could keep
        // SIGTERM pending.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A results file as `run --results` writes it (no kernel needed).
func writeResults(to path: String, id: String = UUID().uuidString.lowercased()) throws -> ResultsFile {
    let testbed = Testbed(name: "upload-test", kernelRelease: "6.18.44", architecture: "x86_64", cpuModel: "cpu", cpuCount: 2,
                          libbpfVersion: "1.1.2", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0)
    let meta = RunMetadata(id: id, toolVersion: "0.1.0", startedAt: "2026-11-22T10:00:00.000Z", finishedAt: "2026-11-22T10:01:00.000Z",
                           durationSeconds: 60, git: GitState(commit: String(repeating: "1f", count: 20), dirty: false), bpfObjects: [],
                           load: [], suites: ["user-maps"], settings: [:])
    let run = ResultsFile(testbed: testbed, run: meta, benchmarks: [
        BenchmarkResult(name: "user/map/hash/1024/update", suite: "user-maps", measures: [Measure.latency.result([700, 710, 720, 730])]),
        BenchmarkResult(name: "user/map/array/1024/lookup", suite: "user-maps", measures: [Measure.latency.result([500, 505, 510])]),
    ])
    try ResultsCodec.encode(run).write(to: URL(fileURLWithPath: path))
    return run
}

/// `bpfgate upload` against a local server playing Bencher: retries, idempotency, the outbox, and the key
/// never in any output. No privilege needed.
@Suite(.serialized) struct UploadCLITests {
    static let key = "bk_test_9f8e7d6c5b4a3210"

    func upload(_ args: [String], env: [String: String] = ["BENCHER_API_KEY": key]) throws -> Invocation {
        try Invocation.run(["upload"] + args, environment: env)
    }

    /// Nothing bpfgate printed or wrote under `dir` holds the key.
    func expectNoKey(_ r: Invocation, under dir: URL) throws {
        #expect(!r.stdout.contains(Self.key) && !r.stderr.contains(Self.key))
        for case let file as String in FileManager.default.enumerator(atPath: dir.path) ?? FileManager.DirectoryEnumerator() {
            if file.hasSuffix("stub.log") { continue }  // the server's own log of what it received
            let text = (try? String(contentsOfFile: dir.appendingPathComponent(file).path, encoding: .utf8)) ?? ""
            #expect(!text.contains(Self.key), "\(file) holds the key")
        }
    }

    @Test func uploadsARun_asBencherExpectsIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try BencherStub(key: Self.key, in: dir)
        defer { stub.stop() }
        let results = dir.appendingPathComponent("results.json").path
        let run = try writeResults(to: results)
        let r = try upload([results, "--host", stub.url, "--project", "bpfgate-test", "--branch", "main", "--outbox", dir.appendingPathComponent("outbox").path])
        #expect(r.status == 0, "\(r.stderr)")
        let requests = try stub.requests()
        #expect(requests.count == 1)
        let invalid = try stub.events("invalid")
        #expect(invalid.isEmpty, "\(invalid)")
        let created = try stub.events("created")
        #expect(created.count == 1 && created.first?["idempotency_key"] as? String == run.run.id)
        let headers = try #require(requests.first?["headers"] as? [String: String])
        #expect(headers["user-agent"]?.hasPrefix("bpfgate/0.1.0") == true)
        let body = try #require(try JSONSerialization.jsonObject(with: Data((requests.first?["body"] as? String ?? "").utf8)) as? [String: Any])
        #expect(body["project"] as? String == "bpfgate-test" && body["branch"] as? String == "main" && body["testbed"] as? String == "upload-test")
        #expect(body["hash"] as? String == run.run.git?.commit)
        let uuid = try #require(created.first?["uuid"] as? String)
        #expect(r.stderr.contains("report \(stub.url)/v0/projects/bpfgate-test/reports/\(uuid)"), "\(r.stderr)")
        try expectNoKey(r, under: dir)
    }

    @Test func retries503_429WithRetryAfter_andADroppedConnection_oneReport() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try BencherStub(plan: ["503", "429:1", "drop", "201", "201"], key: Self.key, in: dir)
        defer { stub.stop() }
        let results = dir.appendingPathComponent("results.json").path
        _ = try writeResults(to: results)
        let start = Date()
        let r = try upload([results, "--host", stub.url, "--max-backoff", "0.2", "--outbox", dir.appendingPathComponent("outbox").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) >= 1, "the 429's Retry-After: 1 was honoured")
        #expect(try stub.requests().count == 4)
        #expect(r.stderr.components(separatedBy: "retrying in").count - 1 == 3, "\(r.stderr)")
        // Uploading the same run again (a retried CI job) returns the same report: no double.
        let again = try upload([results, "--host", stub.url, "--outbox", dir.appendingPathComponent("outbox").path])
        #expect(again.status == 0)
        #expect(try stub.events("created").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("outbox").path))
        try expectNoKey(r, under: dir)
    }

    @Test func serverDown_runIsKept_flushSendsItWhenBack() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outbox = dir.appendingPathComponent("outbox").path
        let results = dir.appendingPathComponent("results.json").path
        let run = try writeResults(to: results)
        // A port nothing listens on: the stub's, after it stopped.
        let gone = try BencherStub(in: dir)
        let (deadURL, port) = (gone.url, gone.port)
        gone.stop()
        let r = try upload([results, "--host", deadURL, "--attempts", "2", "--max-backoff", "0.1", "--outbox", outbox])
        #expect(r.status == 6, "\(r.stderr)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: outbox)
        try #require(kept.count == 1, "\(kept)")
        #expect(r.stderr.contains("kept in \(outbox)/\(kept[0])"), "\(r.stderr)")
        try expectNoKey(r, under: dir)

        // Still down: the flush keeps it (exit 6); back up: sent, deleted, exit 0.
        let stillDown = try upload(["--flush", "--attempts", "1", "--outbox", outbox])
        let stillKept = try FileManager.default.contentsOfDirectory(atPath: outbox)
        #expect(stillDown.status == 6 && stillKept.count == 1)
        // The server comes back on the same address.
        let stub = try BencherStub(key: Self.key, port: port, in: dir)
        defer { stub.stop() }
        let flushed = try upload(["--flush", "--outbox", outbox])
        #expect(flushed.status == 0, "\(flushed.stderr)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: outbox)).isEmpty)
        #expect(try stub.events("created").map { $0["idempotency_key"] as? String } == [run.run.id])
        try expectNoKey(flushed, under: dir)
    }

    @Test func rejected_showsTheServersMessage_keyRedacted_exit6() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try BencherStub(plan: ["401echo"], key: Self.key, in: dir)
        defer { stub.stop() }
        let results = dir.appendingPathComponent("results.json").path
        _ = try writeResults(to: results)
        let r = try upload([results, "--host", stub.url, "--outbox", dir.appendingPathComponent("outbox").path])
        #expect(r.status == 6)
        #expect(try stub.requests().count == 1, "a 401 is not retried")
        #expect(r.stderr.contains("HTTP 401") && r.stderr.contains("bad credentials: Bearer ***"), "\(r.stderr)")
        try expectNoKey(r, under: dir)
    }

    @Test func alerts_printed_failOnAlertExits2() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try BencherStub(key: Self.key, alerts: 1, in: dir)
        defer { stub.stop() }
        let results = dir.appendingPathComponent("results.json").path
        _ = try writeResults(to: results)
        let plain = try upload([results, "--host", stub.url])
        #expect(plain.status == 0 && plain.stderr.contains("alert: user/map/hash/1024/update latency = 123.0 beyond its upper limit"), "\(plain.stderr)")
        let failing = try upload([results, "--host", stub.url, "--fail-on-alert"])
        #expect(failing.status == 2, "\(failing.stderr)")
    }

    @Test(arguments: [
        (["upload"], 64, "give a results file"),
        (["upload", "/nonexistent/results.json"], 65, "cannot read"),
        (["upload", "--flush", "x.json"], 64, "not both"),
        (["upload", "--attempts", "0", "--flush"], 64, "--attempts"),
        (["upload", "Package.swift"], 65, "not valid JSON"),
    ])
    func badInput_oneLine(args: [String], status: Int32, message: String) throws {
        let r = try Invocation.run(args)
        #expect(r.status == status && r.stderrLines.count == 1 && r.stderr.contains(message), "\(r.status) \(r.stderr)")
    }

    @Test func influxWithoutURL_isAUsageError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let results = dir.appendingPathComponent("results.json").path
        _ = try writeResults(to: results)
        let r = try Invocation.run(["upload", results, "--to", "influxdb"], environment: ["INFLUX_URL": "", "INFLUX_DB": ""])
        #expect(r.status == 64 && r.stderr.contains("--influx-url"), "\(r.stderr)")
    }
}

/// `check --upload`: the run it measured goes up whatever the verdict, before the baseline is looked at.
@Suite(.serialized, .enabled(if: privilegedTestsEnabled, "needs root to run benchmarks; in CI this never skips"))
struct CheckUploadCLITests {
    @Test func checkUploadsItsRun_anUploadFailureNeverHidesTheVerdict() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = try BencherStub(key: UploadCLITests.key, in: dir)
        defer { stub.stop() }
        let results = dir.appendingPathComponent("head.json").path, outbox = dir.appendingPathComponent("outbox").path
        let check = ["check", "--quick", "--samples", "3", "--baselines", dir.appendingPathComponent("baselines").path, "--require-baseline",
                     "--results", results, "--upload", "bencher", "--project", "p", "--outbox", outbox]
        let env = ["BENCHER_API_KEY": UploadCLITests.key]
        let r = try Invocation.run(check + ["--host", stub.url], environment: env)
        #expect(r.status == 4, "no baseline (--require-baseline) still exits 4 after the upload: \(r.stderr)")
        let head = try ResultsCodec.decode(Data(contentsOf: URL(fileURLWithPath: results)), path: results)
        #expect(try stub.events("created").map { $0["idempotency_key"] as? String } == [head.run.id])
        #expect(r.stderr.contains("uploaded run \(head.run.id)"), "\(r.stderr)")
        // Server gone: the run is kept, and the verdict (exit 4) still outranks the upload failure (6).
        stub.stop()
        let down = try Invocation.run(check + ["--host", stub.url, "--attempts", "1"], environment: env)
        #expect(down.status == 4, "\(down.stderr)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: outbox)).count == 1)
        #expect(!down.stderr.contains(UploadCLITests.key) && !r.stderr.contains(UploadCLITests.key))
    }
}
