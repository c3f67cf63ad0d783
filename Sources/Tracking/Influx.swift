import Foundation
import Results

/// An InfluxDB 1.x database to write trend points to (`POST {url}/write?db=...&precision=ns`).
public struct InfluxTarget: Sendable {
    public var url: String
    public var database: String
    /// The branch tag (the commit comes from the run).
    public var branch: String?

    public init(url: String, database: String, branch: String? = nil) {
        self.url = url
        self.database = database
        self.branch = branch
    }
}

/// Credentials: a user and password (HTTP Basic, InfluxDB 1.x) or a token (`Authorization: Token`, the 2.x
/// compatibility API).
public enum InfluxAuth: Sendable {
    case none
    case basic(user: String, password: String)
    case token(String)
}

/// InfluxDB's line protocol: one point per benchmark, the measurement named after its suite, tags testbed,
/// branch, commit and benchmark, a field per measure (the run's median, and its quartiles as
/// `<measure>_lower` / `<measure>_upper`), stamped with the run's end time. Writing the same run twice
/// overwrites the same points (same measurement, tags and time), so a retried upload never doubles one.
public enum Influx {
    public static func lines(_ run: ResultsFile, target: InfluxTarget) throws -> String {
        guard let end = Timestamp.parse(run.run.finishedAt) else {
            throw BadInputError(path: "results", problem: "run end time '\(run.run.finishedAt)' is not ISO 8601")
        }
        guard Timestamp.plausible.contains(end) else {
            throw BadInputError(path: "results", problem: "run end time '\(run.run.finishedAt)' is not between 1970 and 2200")
        }
        // bpfgate's times have milliseconds; whole milliseconds keep the stamp exact (a Double of ns would not).
        let nanoseconds = Int64((end.timeIntervalSince1970 * 1000).rounded()) * 1_000_000
        let doc = BMF.document(from: run)
        var out = ""
        for b in run.benchmarks {
            guard let metrics = doc[b.name] else { continue }
            var tags = [("benchmark", b.name), ("testbed", run.testbed.name)]
            if let branch = target.branch { tags.append(("branch", branch)) }
            if let commit = run.run.git?.commit { tags.append(("commit", commit)) }
            tags.sort { $0.0 < $1.0 }  // InfluxDB's advice: tags sorted by key
            var fields: [String] = []
            for (measure, m) in metrics.sorted(by: { $0.key < $1.key }) {
                fields.append("\(escape(key: measure))=\(number(m.value))")
                if let l = m.lowerValue { fields.append("\(escape(key: measure + "_lower"))=\(number(l))") }
                if let u = m.upperValue { fields.append("\(escape(key: measure + "_upper"))=\(number(u))") }
            }
            out += escape(measurement: b.suite)
            for (k, v) in tags where !v.isEmpty { out += ",\(escape(key: k))=\(escape(key: v))" }
            out += " " + fields.joined(separator: ",") + " \(nanoseconds)\n"
        }
        return out
    }

    /// Measurement names escape commas and spaces (line protocol); a newline would end the point, so
    /// newlines, carriage returns and tabs are escaped as well (InfluxDB reads `\n` back as the two characters).
    static func escape(measurement: String) -> String {
        measurement.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,")
            .replacingOccurrences(of: " ", with: "\\ ").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: "\\t")
    }

    /// Tag keys, tag values and field keys escape commas, equals signs and spaces.
    static func escape(key: String) -> String {
        escape(measurement: key).replacingOccurrences(of: "=", with: "\\=")
    }

    /// A float field: finite, in the shortest form that reads back the same.
    static func number(_ v: Double) -> String {
        v.isFinite ? "\(v)" : "0"
    }

    public static func request(lines: String, target: InfluxTarget, auth: InfluxAuth) -> HTTPRequest {
        var components = URLComponents(string: target.url.trimmingSuffix("/") + "/write")
        components?.queryItems = [URLQueryItem(name: "db", value: target.database), URLQueryItem(name: "precision", value: "ns")]
        var headers: [(name: String, value: String)] = [("Content-Type", "text/plain; charset=utf-8")]
        if let value = authorization(auth) { headers.append(("Authorization", value)) }
        return HTTPRequest(method: "POST", url: components?.string ?? target.url, headers: headers, body: Data(lines.utf8))
    }

    /// The Authorization header's value, nil for none.
    public static func authorization(_ auth: InfluxAuth) -> String? {
        switch auth {
        case .none: return nil
        case let .basic(user, password): return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case let .token(token): return "Token \(token)"
        }
    }

    /// Secrets of `auth`, including the encoded header value (a server may echo it back).
    public static func secrets(_ auth: InfluxAuth) -> [String] {
        switch auth {
        case .none: return []
        case let .basic(user, password): return [password, Data("\(user):\(password)".utf8).base64EncodedString()]
        case let .token(token): return [token]
        }
    }
}
