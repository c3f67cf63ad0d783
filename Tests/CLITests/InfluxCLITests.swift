import Foundation
import Results
import Testing
import Tracking

let ciMode = ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
let influxd = "/usr/bin/influxd"

/// A real InfluxDB 1.x (Debian's `influxdb`, installed by ci/setup.sh), started for one test on loopback
/// ports with its own data directory, authentication on, and stopped afterwards.
final class InfluxServer {
    static let user = "bpfgate-admin", password = "influx-pw-7c1d"
    let process = Process()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    let client = CurlTransport(options: CurlTransport.Options(userAgent: "bpfgate-tests"))

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &addr) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                guard bind(fd, sa, len) == 0, getsockname(fd, sa, &len) == 0 else { throw BencherStub.StubError(problem: "no free port") }
            }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    init(in dir: URL) throws {
        port = try Self.freePort()
        let rpc = try Self.freePort()
        let config = dir.appendingPathComponent("influxdb.conf")
        try """
        reporting-disabled = true
        bind-address = "127.0.0.1:\(rpc)"
        [meta]
          dir = "\(dir.path)/meta"
        [data]
          dir = "\(dir.path)/data"
          wal-dir = "\(dir.path)/wal"
          query-log-enabled = false
        [monitor]
          store-enabled = false
        [http]
          bind-address = "127.0.0.1:\(port)"
          auth-enabled = true
          log-enabled = false
        """.write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: influxd)
        process.arguments = ["-config", config.path]
        let log = dir.appendingPathComponent("influxd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let r = try? client.send(HTTPRequest(method: "GET", url: "\(url)/ping", body: Data())), r.status == 204 { break }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        guard process.isRunning else { throw BencherStub.StubError(problem: "influxd exited: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")") }
        // With authentication on and no user yet, InfluxDB lets the first admin be created.
        _ = try query("CREATE USER \"\(Self.user)\" WITH PASSWORD '\(Self.password)' WITH ALL PRIVILEGES", post: true, auth: false)
        _ = try query("CREATE DATABASE bpfgate", post: true)
    }

    /// InfluxQL through /query; the parsed answer.
    func query(_ q: String, db: String? = nil, post: Bool = false, auth: Bool = true) throws -> [String: Any] {
        var c = URLComponents(string: "\(url)/query")!
        c.queryItems = [URLQueryItem(name: "q", value: q)] + (db.map { [URLQueryItem(name: "db", value: $0)] } ?? [])
        var headers: [(name: String, value: String)] = []
        if auth { headers.append(("Authorization", "Basic " + Data("\(Self.user):\(Self.password)".utf8).base64EncodedString())) }
        let r = try client.send(HTTPRequest(method: post ? "POST" : "GET", url: c.string!, headers: headers, body: Data()))
        guard r.status == 200, let doc = try JSONSerialization.jsonObject(with: r.body) as? [String: Any] else {
            throw BencherStub.StubError(problem: "query \(q): HTTP \(r.status) \(r.bodyText())")
        }
        return doc
    }

    func stop() {
        // SIGKILL: its data directory is thrown away, and a signal mask inherited from the test runner could
        // keep SIGTERM pending.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

@Suite(.serialized, .enabled(if: ciMode || FileManager.default.isExecutableFile(atPath: influxd),
                             "needs Debian's influxdb (ci/setup.sh installs it); in CI this never skips"))
struct InfluxCLITests {
    @Test func writesARun_readsItBack_sameValues_notDoubledByARetry() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try InfluxServer(in: dir)
        defer { server.stop() }
        let results = dir.appendingPathComponent("results.json").path
        let run = try writeResults(to: results)
        let env = ["INFLUX_USERNAME": InfluxServer.user, "INFLUX_PASSWORD": InfluxServer.password]
        let args = ["upload", results, "--to", "influxdb", "--influx-url", server.url, "--influx-db", "bpfgate", "--branch", "main",
                    "--outbox", dir.appendingPathComponent("outbox").path]
        for _ in 0 ..< 2 {
            let r = try Invocation.run(args, environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stderr.contains(InfluxServer.password))
        }
        let answer = try server.query("SELECT * FROM \"user-maps\"", db: "bpfgate")
        let series = try #require(((answer["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]])?.first, "\(answer)")
        let columns = try #require(series["columns"] as? [String])
        let rows = try #require(series["values"] as? [[Any]])
        #expect(rows.count == 2, "two benchmarks, one point each, also after a second upload: \(rows)")
        let bmf = BMF.document(from: run)
        for row in rows {
            let point = Dictionary(uniqueKeysWithValues: zip(columns, row))
            let name = try #require(point["benchmark"] as? String)
            let metric = try #require(bmf[name]?["latency"], "\(name)")
            #expect(point["latency"] as? Double == metric.value)
            #expect(point["latency_lower"] as? Double == metric.lowerValue && point["latency_upper"] as? Double == metric.upperValue)
            #expect(point["testbed"] as? String == "upload-test" && point["branch"] as? String == "main")
            #expect(point["commit"] as? String == run.run.git?.commit)
            #expect(point["time"] as? String == "2026-11-22T10:01:00Z")
        }
    }

    /// The trend fixture's 30 runs uploaded, then read back: `trend --from influxdb` finds the same change
    /// points, with the same statistics, as `trend` over the stored runs.
    @Test func history_fromInflux_sameSeriesAndChangePointsAsTheStoredRuns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try InfluxServer(in: dir)
        defer { server.stop() }
        let baselines = try TrendFixture.store(in: dir)
        let env = ["INFLUX_USERNAME": InfluxServer.user, "INFLUX_PASSWORD": InfluxServer.password]
        let influx = ["--influx-url", server.url, "--influx-db", "bpfgate"]
        for i in 0 ..< 30 {
            let r = try Invocation.run(["upload", dir.appendingPathComponent("run\(i).json").path, "--to", "influxdb", "--branch", "main",
                                        "--outbox", dir.appendingPathComponent("outbox").path] + influx, environment: env)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let fromInflux = dir.appendingPathComponent("influx.json").path, fromStore = dir.appendingPathComponent("store.json").path
        let a = try Invocation.run(["trend", "--from", "influxdb", "--testbed", "hist", "--branch", "main", "--recent", "12", "--json", fromInflux] + influx,
                                   environment: env)
        #expect(a.status == 2, "\(a.stdout)\(a.stderr)")
        let b = try Invocation.run(["trend", "--baselines", baselines, "--testbed", "hist", "--recent", "12", "--raw", "--json", fromStore])
        #expect(b.status == 2)
        func steps(_ path: String) throws -> [[String: Any]] {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            return try #require(report["steps"] as? [[String: Any]])
        }
        let (x, y) = (try steps(fromInflux), try steps(fromStore))
        #expect(x.count == y.count && !x.isEmpty)
        for (p, q) in zip(x, y) {
            for key in ["benchmark", "index", "kind", "commit", "commitBefore", "time", "reference"] {
                #expect("\(p[key] ?? "nil")" == "\(q[key] ?? "nil")", "\(key): \(p[key] ?? "nil") vs \(q[key] ?? "nil")")
            }
            #expect(abs((p["pValue"] as? Double ?? 1) - (q["pValue"] as? Double ?? 0)) <= 1e-9 * max(1e-300, q["pValue"] as? Double ?? 0))
        }
        let history = try Invocation.run(["history", "--from", "influxdb", "--testbed", "hist", "--benchmark", "^t/op$"] + influx, environment: env)
        #expect(history.status == 0 && history.stdout.hasPrefix("t/op  latency (ns, smaller is better): 30 point(s)\n"), "\(history.stdout)")

        let denied = try Invocation.run(["trend", "--from", "influxdb", "--testbed", "hist"] + influx,
                                        environment: ["INFLUX_USERNAME": InfluxServer.user, "INFLUX_PASSWORD": "not-the-password-9"])
        #expect(denied.status == 6 && denied.stderr.contains("HTTP 401") && !denied.stderr.contains("not-the-password-9"), "\(denied.stderr)")
        let none = try Invocation.run(["history", "--from", "influxdb", "--testbed", "other"] + influx, environment: env)
        #expect(none.status == 4 && none.stderrLines.count == 1, "\(none.stderr)")
    }

    @Test func wrongPassword_rejected_exit6_keptInTheOutbox() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try InfluxServer(in: dir)
        defer { server.stop() }
        let results = dir.appendingPathComponent("results.json").path
        _ = try writeResults(to: results)
        let outbox = dir.appendingPathComponent("outbox").path
        let r = try Invocation.run(["upload", results, "--to", "influxdb", "--influx-url", server.url, "--influx-db", "bpfgate", "--outbox", outbox],
                                   environment: ["INFLUX_USERNAME": InfluxServer.user, "INFLUX_PASSWORD": "wrong-password-1"])
        #expect(r.status == 6 && r.stderr.contains("HTTP 401"), "\(r.stderr)")
        #expect(!r.stderr.contains("wrong-password-1"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: outbox)
        try #require(kept.count == 1)
        let text = try String(contentsOfFile: "\(outbox)/\(kept[0])", encoding: .utf8)
        #expect(!text.contains("wrong-password-1") && !text.contains(Data("\(InfluxServer.user):wrong-password-1".utf8).base64EncodedString()))
        // With the right password the flush delivers it.
        let flushed = try Invocation.run(["upload", "--flush", "--outbox", outbox],
                                         environment: ["INFLUX_USERNAME": InfluxServer.user, "INFLUX_PASSWORD": InfluxServer.password])
        #expect(flushed.status == 0, "\(flushed.stderr)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: outbox)).isEmpty)
    }
}
