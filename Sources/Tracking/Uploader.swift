import Foundation
import Results

/// The secrets an upload may need, read from the environment or files by the CLI.
public struct Credentials: Sendable {
    public var bencherKey: String?
    public var influx: InfluxAuth = .none

    public init(bencherKey: String? = nil, influx: InfluxAuth = .none) {
        self.bencherKey = bencherKey
        self.influx = influx
    }

    public var secrets: Secrets {
        Secrets((bencherKey.map { [$0] } ?? []) + Influx.secrets(influx))
    }

    /// The Authorization header for a target; none without credentials (Bencher then takes the run as
    /// unclaimed, as `bencher run` does without a key).
    func headers(for target: String) -> [(name: String, value: String)] {
        switch target {
        case "bencher": return bencherKey.map { [("Authorization", Bencher.authorization($0))] } ?? []
        default: return Influx.authorization(influx).map { [("Authorization", $0)] } ?? []
        }
    }
}

/// One upload, before credentials: what to send, where, for which run.
public struct Upload: Sendable {
    public var target: String
    public var request: HTTPRequest
    public var run: String

    public init(target: String, request: HTTPRequest, run: String) {
        self.target = target
        self.request = request
        self.run = run
    }

    public static func bencher(_ run: ResultsFile, target: BencherTarget) throws -> Upload {
        Upload(target: "bencher", request: Bencher.request(body: try Bencher.runBody(run, target: target), host: target.host, apiKey: nil),
               run: run.run.id)
    }

    public static func influx(_ run: ResultsFile, target: InfluxTarget) throws -> Upload {
        Upload(target: "influxdb", request: Influx.request(lines: try Influx.lines(run, target: target), target: target, auth: .none),
               run: run.run.id)
    }
}

/// Sends uploads under the retry policy; what fails goes to the outbox, so nothing is lost.
public struct Uploader: Sendable {
    public enum Result: Sendable {
        case accepted(HTTPResponse)
        /// Not accepted; kept in the outbox at `path`. `rejected`: the server answered no (else: unreachable).
        case spooled(path: String, problem: String, rejected: Bool)
    }

    public let delivery: Delivery
    public let outbox: Outbox
    public let credentials: Credentials

    public init(transport: any HTTPTransport, policy: RetryPolicy, outbox: Outbox, credentials: Credentials) {
        delivery = Delivery(transport: transport, policy: policy, secrets: credentials.secrets)
        self.outbox = outbox
        self.credentials = credentials
    }

    var secrets: Secrets { delivery.secrets }

    func authorized(_ upload: Upload) -> HTTPRequest {
        var request = upload.request
        request.headers += credentials.headers(for: upload.target)
        return request
    }

    /// Delivers, or spools and says where.
    public func deliver(_ upload: Upload, log: (String) -> Void, sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) throws -> Result {
        let (accepted, problem, rejected) = attempt(upload, log: log, sleep: sleep)
        if let accepted { return .accepted(accepted) }
        let entry = Outbox.Entry(target: upload.target, created: Timestamp.iso(Date()), method: upload.request.method,
                                 url: upload.request.url,
                                 contentType: upload.request.headers.first { $0.name == "Content-Type" }?.value ?? "application/octet-stream",
                                 body: String(decoding: upload.request.body, as: UTF8.self), run: upload.run, reason: problem)
        return .spooled(path: try outbox.put(entry), problem: problem, rejected: rejected)
    }

    func attempt(_ upload: Upload, log: (String) -> Void, sleep: (Double) -> Void) -> (HTTPResponse?, String, Bool) {
        switch delivery.send(authorized(upload), log: log, sleep: sleep) {
        case let .accepted(response, _): return (response, "", false)
        case let .rejected(response, _): return (nil, "HTTP \(response.status): \(secrets.redact(response.bodyText()))", true)
        case let .unreachable(problem, attempts): return (nil, "unreachable after \(attempts) attempt(s): \(problem)", false)
        }
    }

    /// What a flush did: entries sent and deleted, entries kept with their problem.
    public struct FlushReport: Sendable {
        public var sent: [(path: String, response: HTTPResponse)] = []
        public var kept: [(path: String, problem: String)] = []
    }

    /// Sends the outbox oldest first, deleting each entry only after the server accepted it. An entry the
    /// server rejects stays (fix the cause, flush again); an unreachable server stops the flush.
    public func flush(log: (String) -> Void, sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) throws -> FlushReport {
        var report = FlushReport()
        let lock = try outbox.lock()
        defer { lock.unlock() }
        let paths = outbox.paths()
        for (i, path) in paths.enumerated() {
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let entry = try outbox.read(path)
            let request = HTTPRequest(method: entry.method, url: entry.url, headers: [("Content-Type", entry.contentType)], body: Data(entry.body.utf8))
            let (accepted, problem, rejected) = attempt(Upload(target: entry.target, request: request, run: entry.run), log: log, sleep: sleep)
            if let accepted {
                try outbox.remove(path)
                report.sent.append((path: path, response: accepted))
            } else {
                report.kept.append((path: path, problem: problem))
                if !rejected {
                    report.kept += paths[(i + 1)...].map { (path: $0, problem: "not tried: the server was unreachable") }
                    break
                }
            }
        }
        return report
    }
}
