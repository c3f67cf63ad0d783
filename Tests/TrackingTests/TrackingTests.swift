import Configuration
import Foundation
import Gate
import Results
import Statistics
import Testing
@testable import Tracking

/// A small run: two benchmarks of two suites, one measure failed (never sent).
func sampleRun(id: String = "6f1c2f0e-8d3a-4b7e-9a51-0c1d2e3f4a5b", commit: String? = String(repeating: "ab", count: 20)) -> ResultsFile {
    let testbed = Testbed(name: "x86_64-k6.18.44-2cpu-1a2b3c4d", kernelRelease: "6.18.44", architecture: "x86_64", cpuModel: "cpu",
                          cpuCount: 2, libbpfVersion: "1.1.2", clangVersion: "clang 21", jitEnabled: true, jitHarden: 0)
    let meta = RunMetadata(id: id, toolVersion: "0.1.0", startedAt: "2026-11-22T10:00:00.000Z", finishedAt: "2026-11-22T10:01:30.250Z",
                           durationSeconds: 90.25, git: commit.map { GitState(commit: $0, dirty: false) }, bpfObjects: [], load: [],
                           suites: ["user-maps", "kernel"], settings: [:])
    return ResultsFile(testbed: testbed, run: meta, benchmarks: [
        BenchmarkResult(name: "user/map/hash/1024/update", suite: "user-maps", measures: [Measure.latency.result([10, 11, 12, 13, 14])]),
        BenchmarkResult(name: "kernel/helper/ktime_get_ns", suite: "kernel", measures: [Measure.latency.result([40, 41, 42])]),
        BenchmarkResult(name: "kernel/helper/get_stackid", suite: "kernel", measures: [.without(.latency, .failed("load: EINVAL"))]),
    ])
}

@Suite struct BencherBodyTests {
    func body(_ run: ResultsFile = sampleRun(), _ target: BencherTarget = BencherTarget()) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Bencher.runBody(run, target: target)) as? [String: Any])
    }

    @Test func carriesTheRunAsOneBMFIteration() throws {
        let run = sampleRun()
        var target = BencherTarget()
        target.project = "ebpf"
        target.branch = "main"
        let b = try body(run, target)
        #expect(b["start_time"] as? String == "2026-11-22T10:00:00.000Z")
        #expect(b["end_time"] as? String == "2026-11-22T10:01:30.250Z")
        #expect(b["idempotency_key"] as? String == run.run.id)
        #expect(b["project"] as? String == "ebpf" && b["branch"] as? String == "main")
        #expect(b["testbed"] as? String == run.testbed.name)
        #expect(b["hash"] as? String == run.run.git?.commit)
        #expect((b["settings"] as? [String: String]) == ["adapter": "json"])
        let results = try #require(b["results"] as? [String])
        try #require(results.count == 1)
        let bmf = try BMF.decode(Data(results[0].utf8), path: "results[0]")
        #expect(bmf == BMF.document(from: run))
        #expect(bmf["user/map/hash/1024/update"]?["latency"]?.value == 12)
        #expect(bmf["kernel/helper/get_stackid"] == nil, "a failed measure is not sent")
        #expect(b["thresholds"] == nil)
        let context = try #require(b["context"] as? [String: String])
        #expect(context["bpfgate/kernel"] == "6.18.44" && context["bpfgate/run"] == run.run.id)
    }

    @Test func explicitTestbedAndHashWin_noCommitNoHash() throws {
        var target = BencherTarget()
        target.testbed = "ci-runner"
        target.hash = String(repeating: "cd", count: 20)
        let b = try body(sampleRun(), target)
        #expect(b["testbed"] as? String == "ci-runner" && b["hash"] as? String == target.hash)
        #expect(try body(sampleRun(commit: nil))["hash"] == nil)
    }

    @Test func mirrorsModelsPerMeasure_saysWhatItCannot() throws {
        var config = GateConfig()
        config.model = ModelSpec(test: .tTest, lowerBoundary: nil, upperBoundary: 0.99, maxSampleSize: 64)
        config.rules = [Rule(benchmark: ".*", measure: "memlock-bytes", model: ModelSpec(test: .percentage, lowerBoundary: nil, upperBoundary: 0.1)),
                        Rule(benchmark: "^kernel/", measure: "latency", model: ModelSpec(test: .zScore, lowerBoundary: nil, upperBoundary: 0.977))]
        let (models, notMirrored) = Bencher.mirroredModels(config, measures: ["latency", "memlock-bytes"])
        #expect(models["latency"]?.test == .tTest && models["memlock-bytes"]?.test == .percentage)
        #expect(notMirrored == ["^kernel/ latency"])
        var target = BencherTarget()
        target.models = models
        let thresholds = try #require(try body(sampleRun(), target)["thresholds"] as? [String: Any])
        let latency = try #require((thresholds["models"] as? [String: [String: Any]])?["latency"])
        #expect(latency["test"] as? String == "t_test" && latency["upper_boundary"] as? Double == 0.99
                && latency["max_sample_size"] as? Int == 64 && latency["lower_boundary"] == nil)
    }

    @Test func reportAnswer_uuidProjectAlerts() throws {
        let answer = """
        {"uuid": "0b0e9c1e-1111-4222-8333-444455556666", "project": {"slug": "ebpf"}, "adapter": "json",
         "alerts": [{"benchmark": {"name": "user/map/hash/1024/update"}, "threshold": {"measure": {"name": "latency"}},
                     "metric": {"value": 123.5}, "limit": "upper"}],
         "counts": {"alerts": {"active": 1, "total": 1}, "results": []}}
        """
        let report = try #require(Bencher.report(Data(answer.utf8)))
        #expect(report.uuid == "0b0e9c1e-1111-4222-8333-444455556666" && report.projectSlug == "ebpf" && report.activeAlerts == 1)
        #expect(report.alerts == ["user/map/hash/1024/update latency = 123.5 beyond its upper limit"])
        #expect(report.url(host: BencherTarget.defaultHost) == "https://bencher.dev/console/projects/ebpf/reports/\(report.uuid)")
        #expect(report.url(host: "http://bencher.local:61016/") == "http://bencher.local:61016/v0/projects/ebpf/reports/\(report.uuid)")
        #expect(Bencher.report(Data("{\"error\": 1}".utf8)) == nil)
    }

    @Test func request_keyOnlyInTheAuthorizationHeader() {
        let r = Bencher.request(body: Data("{}".utf8), host: "https://api.bencher.dev/", apiKey: "k3y-s3cret")
        #expect(r.method == "POST" && r.url == "https://api.bencher.dev/v0/run")
        #expect(r.headers.first { $0.name == "Authorization" }?.value == "Bearer k3y-s3cret")
        #expect(!String(decoding: r.body, as: UTF8.self).contains("k3y-s3cret"))
    }
}

@Suite struct InfluxLineTests {
    @Test func onePointPerBenchmark_suiteAsMeasurement_runEndAsTime() throws {
        let text = try Influx.lines(sampleRun(), target: InfluxTarget(url: "http://127.0.0.1:8086", database: "db", branch: "main"))
        let lines = text.split(separator: "\n").map(String.init)
        let commit = String(repeating: "ab", count: 20)
        // 2026-11-22T10:01:30.250Z
        #expect(lines == [
            "user-maps,benchmark=user/map/hash/1024/update,branch=main,commit=\(commit),testbed=x86_64-k6.18.44-2cpu-1a2b3c4d latency=12.0,latency_lower=11.0,latency_upper=13.0 1795341690250000000",
            "kernel,benchmark=kernel/helper/ktime_get_ns,branch=main,commit=\(commit),testbed=x86_64-k6.18.44-2cpu-1a2b3c4d latency=41.0,latency_lower=40.5,latency_upper=41.5 1795341690250000000",
        ])
    }

    @Test func escapesCommasSpacesAndEquals() {
        #expect(Influx.escape(measurement: "a b,c=d") == "a\\ b\\,c=d")
        #expect(Influx.escape(key: "a b,c=d") == "a\\ b\\,c\\=d")
    }

    @Test func request_databaseAndPrecisionInTheQuery_credentialsInTheHeader() {
        let r = Influx.request(lines: "m f=1 1\n", target: InfluxTarget(url: "http://127.0.0.1:8086/", database: "bench db"),
                               auth: .basic(user: "u", password: "pw-s3cret"))
        #expect(r.url == "http://127.0.0.1:8086/write?db=bench%20db&precision=ns")
        #expect(r.headers.first { $0.name == "Authorization" }?.value == "Basic " + Data("u:pw-s3cret".utf8).base64EncodedString())
        #expect(Influx.secrets(.basic(user: "u", password: "pw-s3cret")).contains("pw-s3cret"))
    }
}

/// Answers from a list, in order; records what it was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step { case status(Int, [String: String], String), fail(TransportError) }
    var steps: [Step]
    var sent: [HTTPRequest] = []
    init(_ steps: [Step]) { self.steps = steps }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        sent.append(request)
        let step = steps.isEmpty ? .status(201, [:], "{}") : steps.removeFirst()
        switch step {
        case let .status(code, headers, body): return HTTPResponse(status: code, headers: headers, body: Data(body.utf8))
        case let .fail(error): throw error
        }
    }
}

@Suite struct RetryTests {
    let refused = TransportError(code: 7, message: "Failed to connect to 127.0.0.1 port 9: Connection refused")

    @Test func backoff_doublesWithJitter_capped_retryAfterWins() {
        var p = RetryPolicy()
        p.baseDelay = 1
        p.maxDelay = 30
        #expect(p.backoff(retry: 1, retryAfter: nil, random: 0) == 0.5 && p.backoff(retry: 1, retryAfter: nil, random: 1) == 1)
        #expect(p.backoff(retry: 4, retryAfter: nil, random: 0) == 4 && p.backoff(retry: 4, retryAfter: nil, random: 1) == 8)
        #expect(p.backoff(retry: 10, retryAfter: nil, random: 1) == 30)
        #expect(p.backoff(retry: 1, retryAfter: 7, random: 0) == 7)
        #expect(p.backoff(retry: 1, retryAfter: 3600, random: 0) == 60, "a Retry-After is honoured up to maxRetryAfter")
    }

    @Test func retryAfter_secondsOrHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_795_341_690)  // Sun, 22 Nov 2026 10:01:30 GMT
        #expect(RetryPolicy.retryAfter("5", now: now) == 5)
        #expect(RetryPolicy.retryAfter("Sun, 22 Nov 2026 10:01:42 GMT", now: now) == 12)
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil && RetryPolicy.retryAfter(nil, now: now) == nil)
    }

    @Test func retriesConnectionErrors429And5xx_untilAccepted() {
        let t = ScriptedTransport([.fail(refused), .status(503, [:], "down"), .status(429, ["retry-after": "2"], "slow"), .status(201, [:], "{}")])
        var waits: [Double] = [], logs: [String] = []
        let outcome = Delivery(transport: t, policy: RetryPolicy(), secrets: Secrets()).send(
            HTTPRequest(url: "http://h/v0/run", body: Data()), log: { logs.append($0) }, sleep: { waits.append($0) })
        guard case let .accepted(r, attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(r.status == 201 && attempts == 4 && t.sent.count == 4)
        guard waits.count == 3, logs.count == 3 else { Issue.record("waits \(waits), logs \(logs)"); return }
        #expect((0.5 ... 1).contains(waits[0]) && (1 ... 2).contains(waits[1]) && waits[2] == 2)
        #expect(logs[0].contains("Connection refused") && logs[2].contains("HTTP 429"))
    }

    @Test func clientErrorFailsAtOnce_withTheServersMessage() {
        let t = ScriptedTransport([.status(404, [:], "{\"error\": \"project not found\"}")])
        let outcome = Delivery(transport: t, policy: RetryPolicy(), secrets: Secrets()).send(
            HTTPRequest(url: "http://h/v0/run", body: Data()), log: { _ in }, sleep: { _ in Issue.record("no retry") })
        guard case let .rejected(r, attempts) = outcome else { Issue.record("\(outcome)"); return }
        #expect(r.status == 404 && attempts == 1 && r.bodyText().contains("project not found"))
    }

    @Test func boundedAttempts_permanentTransportErrorsNotRetried() {
        var p = RetryPolicy()
        p.attempts = 3
        let down = ScriptedTransport([.fail(refused), .fail(refused), .fail(refused), .status(201, [:], "")])
        guard case let .unreachable(problem, attempts) = Delivery(transport: down, policy: p, secrets: Secrets())
            .send(HTTPRequest(url: "http://h", body: Data()), log: { _ in }, sleep: { _ in }) else { Issue.record("accepted?"); return }
        #expect(attempts == 3 && down.sent.count == 3 && problem.contains("Connection refused"))
        let tls = ScriptedTransport([.fail(TransportError(code: 60, message: "SSL certificate problem", permanent: true))])
        _ = Delivery(transport: tls, policy: p, secrets: Secrets()).send(HTTPRequest(url: "https://h", body: Data()), log: { _ in }, sleep: { _ in })
        #expect(tls.sent.count == 1)
    }

    @Test func secretsAreRedactedFromWhatTheServerEchoes() {
        let t = ScriptedTransport([.status(502, [:], "bad gateway for Bearer k3y-s3cret"), .status(502, [:], "again")])
        var logs: [String] = []
        var p = RetryPolicy()
        p.attempts = 2
        guard case let .unreachable(problem, _) = Delivery(transport: t, policy: p, secrets: Secrets(["k3y-s3cret"]))
            .send(HTTPRequest(url: "http://h", body: Data()), log: { logs.append($0) }, sleep: { _ in }) else { return }
        #expect(!(logs + [problem]).joined().contains("k3y-s3cret"))
        #expect(logs.first?.contains("Bearer ***") == true)
    }
}

@Suite struct OutboxTests {
    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-outbox-\(UUID())").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func failedUploadIsSpooled_withoutSecrets_thenFlushedOldestFirst() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outbox = Outbox(directory: "\(dir)/outbox")
        let credentials = Credentials(bencherKey: "k3y-s3cret")
        var p = RetryPolicy()
        p.attempts = 2
        let down = ScriptedTransport([.fail(TransportError(code: 7, message: "refused")), .fail(TransportError(code: 7, message: "refused")),
                                      .fail(TransportError(code: 7, message: "refused")), .fail(TransportError(code: 7, message: "refused"))])
        let uploader = Uploader(transport: down, policy: p, outbox: outbox, credentials: credentials)
        var paths: [String] = []
        for id in ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"] {
            let upload = try Upload.bencher(sampleRun(id: id), target: BencherTarget())
            guard case let .spooled(path, problem, rejected) = try uploader.deliver(upload, log: { _ in }, sleep: { _ in }) else {
                Issue.record("accepted by a server that is down"); return
            }
            #expect(!rejected && problem.contains("unreachable after 2"))
            paths.append(path)
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(outbox.paths() == paths)
        for path in paths {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!text.contains("k3y-s3cret"))
        }
        #expect(down.sent.allSatisfy { $0.headers.contains { $0.name == "Authorization" && $0.value == "Bearer k3y-s3cret" } })

        // The server is back: the flush sends both, oldest first, with the key read again, and empties the outbox.
        let up = ScriptedTransport([])
        let report = try Uploader(transport: up, policy: p, outbox: outbox, credentials: credentials).flush(log: { _ in }, sleep: { _ in })
        #expect(report.sent.map { $0.path } == paths && report.kept.isEmpty && outbox.paths().isEmpty)
        let keys = try up.sent.map { try #require(try JSONSerialization.jsonObject(with: $0.body) as? [String: Any])["idempotency_key"] as? String }
        #expect(keys == ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"])
        #expect(up.sent.allSatisfy { $0.headers.contains { $0.name == "Authorization" && $0.value == "Bearer k3y-s3cret" } })
    }

    @Test func flushKeepsWhatIsRejected_stopsWhenUnreachable() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outbox = Outbox(directory: dir)
        for i in 1 ... 3 {
            try outbox.put(Outbox.Entry(target: "bencher", created: "t", method: "POST", url: "http://h/v0/run", contentType: "application/json",
                                        body: "{}", run: "run-\(i)", reason: "test"), date: Date(timeIntervalSince1970: Double(i)))
        }
        var p = RetryPolicy()
        p.attempts = 1
        let t = ScriptedTransport([.status(400, [:], "bad"), .fail(TransportError(code: 7, message: "refused"))])
        let report = try Uploader(transport: t, policy: p, outbox: outbox, credentials: Credentials()).flush(log: { _ in }, sleep: { _ in })
        #expect(report.sent.isEmpty && report.kept.count == 3 && t.sent.count == 2)
        #expect(outbox.paths().count == 3)
    }
}
