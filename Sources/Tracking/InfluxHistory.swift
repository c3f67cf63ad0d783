import Foundation
import Results

/// Reads a testbed's trend points back from InfluxDB 1.x (`GET /query`, InfluxQL) as the same series the
/// stored runs give, so `history`, `trend` and `report` work on the team's database too.
///
/// What `Influx.lines` wrote comes back: one row per run and benchmark (tags benchmark, testbed, branch,
/// commit; fields `<measure>`, `<measure>_lower`, `<measure>_upper`; the run's end as time). InfluxDB keeps no
/// run id, so a point's run id is its time; units and directions come from bpfgate's measures by slug, and a
/// benchmark whose name ends in `/reference` or `/reference-*` counts as a reference.
public enum InfluxHistory {
    static let tags: Set<String> = ["time", "benchmark", "testbed", "branch", "commit"]

    /// The query for every point of `testbed` (and `branch`, when given), oldest first, times in ms.
    public static func request(target: InfluxTarget, testbed: String, auth: InfluxAuth) -> HTTPRequest {
        var q = "SELECT * FROM /.*/ WHERE \"testbed\" = '\(escape(testbed))'"
        if let branch = target.branch { q += " AND \"branch\" = '\(escape(branch))'" }
        q += " ORDER BY time ASC"
        var components = URLComponents(string: target.url.trimmingSuffix("/") + "/query")
        components?.queryItems = [URLQueryItem(name: "db", value: target.database), URLQueryItem(name: "epoch", value: "ms"),
                                  URLQueryItem(name: "q", value: q)]
        // URLComponents leaves '+' alone; InfluxDB would read it as a space.
        let url = (components?.string ?? target.url).replacingOccurrences(of: "+", with: "%2B")
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let value = Influx.authorization(auth) { headers.append(("Authorization", value)) }
        return HTTPRequest(method: "GET", url: url, headers: headers, body: Data())
    }

    /// Queries `target` under `policy` and returns the series; a server that cannot be reached or refuses
    /// is a `QueryError` (exit 6), with secrets redacted from whatever it answered.
    public static func fetch(target: InfluxTarget, testbed: String, credentials: Credentials, transport: any HTTPTransport,
                             policy: RetryPolicy = RetryPolicy(), filter: HistoryFilter, log: (String) -> Void) throws -> [HistorySeries] {
        let delivery = Delivery(transport: transport, policy: policy, secrets: credentials.secrets)
        switch delivery.send(request(target: target, testbed: testbed, auth: credentials.influx), log: log) {
        case let .accepted(response, _):
            return try series(from: response.body, filter: filter)
        case let .rejected(response, _):
            throw QueryError(message: "InfluxDB refused the query: HTTP \(response.status): \(delivery.secrets.redact(response.bodyText()))")
        case let .unreachable(problem, attempts):
            throw QueryError(message: "InfluxDB unreachable after \(attempts) attempt(s): \(problem)")
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }

    public struct QueryError: Error, CustomStringConvertible, ExitStatusProviding {
        public let message: String
        public var description: String { message }
        public var exitStatus: ExitStatus { .transportFailure }
    }

    /// The series in a `/query` answer, sorted by benchmark and measure, points oldest first.
    public static func series(from body: Data, filter: HistoryFilter) throws -> [HistorySeries] {
        struct Answer: Decodable {
            struct Result: Decodable {
                struct Series: Decodable {
                    let name: String
                    let columns: [String]
                    let values: [[Value]]?
                }
                let series: [Series]?
                let error: String?
            }
            let results: [Result]?
            let error: String?
        }
        enum Value: Decodable {
            case number(Double), text(String), null
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if c.decodeNil() { self = .null } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
            }
            var number: Double? { if case let .number(d) = self { return d } else { return nil } }
            var text: String? { if case let .text(s) = self { return s } else { return nil } }
        }
        let answer: Answer
        do { answer = try JSONDecoder().decode(Answer.self, from: body) } catch {
            throw QueryError(message: "InfluxDB's answer is not a query result: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        if let e = answer.error ?? answer.results?.compactMap(\.error).first { throw QueryError(message: "InfluxDB: \(e)") }
        var collector = HistoryCollector()
        for s in answer.results?.flatMap({ $0.series ?? [] }) ?? [] {
            let col = Dictionary(s.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let measures = s.columns.filter { c in
                !tags.contains(c) && !((c.hasSuffix("_lower") || c.hasSuffix("_upper")) && col[String(c.dropLast(6))] != nil)
            }
            for row in s.values ?? [] {
                guard let ms = col["time"].flatMap({ row[$0].number }), let name = col["benchmark"].flatMap({ row[$0].text }) else { continue }
                let time = Timestamp.iso(Date(timeIntervalSince1970: ms / 1000))
                let commit = col["commit"].flatMap { row[$0].text }
                for slug in measures where filter.keeps(benchmark: name, measure: slug) {
                    guard let value = col[slug].flatMap({ row[$0].number }) else { continue }
                    let measure = Measure.named(slug)
                    collector.append(HistoryPoint(runID: time, time: time, commit: commit, kind: nil, value: value,
                                                  lower: col[slug + "_lower"].flatMap { row[$0].number },
                                                  upper: col[slug + "_upper"].flatMap { row[$0].number }),
                                     benchmark: name, measure: slug,
                                     make: HistorySeries(benchmark: name, measure: slug, unit: measure?.unit ?? "",
                                                         direction: measure?.direction ?? .smallerIsBetter,
                                                         isReference: BenchmarkName(parsing: name).isReference, points: []))
                }
            }
        }
        return collector.series.map { s in var s = s; s.points.sort { $0.time < $1.time }; return s }
    }
}
