import Configuration
import Foundation
import Results
import Statistics

/// Where and as what a run goes to Bencher (`POST {host}/v0/run`); the options mirror `bencher run`.
public struct BencherTarget: Sendable {
    public static let defaultHost = "https://api.bencher.dev"
    public var host = BencherTarget.defaultHost
    public var project: String?
    public var branch: String?
    /// nil: the run's testbed name.
    public var testbed: String?
    /// nil: the run's git commit.
    public var hash: String?
    /// Threshold models per measure slug, sent as `thresholds.models` (empty: none sent).
    public var models: [String: ModelSpec] = [:]

    public init() {}
}

/// Bencher's REST API for a run (https://bencher.dev/docs/api/): the request body and what its answer says.
public enum Bencher {
    /// The body of `POST /v0/run`: one iteration of BMF, the run's times, the run's id as idempotency key
    /// (a retried or flushed upload never doubles a report), `settings.adapter` json, bpfgate's context.
    public static func runBody(_ run: ResultsFile, target: BencherTarget) throws -> Data {
        var body: [String: Any] = [
            "start_time": run.run.startedAt,
            "end_time": run.run.finishedAt,
            "results": [String(decoding: try BMF.encode(BMF.document(from: run)), as: UTF8.self)],
            "settings": ["adapter": "json"],
            "idempotency_key": run.run.id,
            "testbed": target.testbed ?? run.testbed.name,
            "context": context(run),
        ]
        if let project = target.project { body["project"] = project }
        if let branch = target.branch { body["branch"] = branch }
        if let hash = target.hash ?? run.run.git?.commit { body["hash"] = hash }
        if !target.models.isEmpty {
            body["thresholds"] = ["models": target.models.mapValues(model)]
        }
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Bencher's context is a string map; these say what ran where.
    static func context(_ run: ResultsFile) -> [String: String] {
        var c = ["bpfgate/version": run.run.toolVersion, "bpfgate/run": run.run.id, "bpfgate/kernel": run.testbed.kernelRelease,
                 "bpfgate/cpu": run.testbed.cpuModel, "bpfgate/libbpf": run.testbed.libbpfVersion,
                 "bpfgate/suites": run.run.suites.joined(separator: ",")]
        if let git = run.run.git { c["bpfgate/git-dirty"] = git.dirty ? "true" : "false" }
        if !run.run.load.isEmpty { c["bpfgate/load"] = run.run.load.joined(separator: ",") }
        return c
    }

    static func model(_ m: ModelSpec) -> [String: Any] {
        var out: [String: Any] = ["test": m.test.rawValue, "max_sample_size": m.maxSampleSize]
        if let l = m.lowerBoundary { out["lower_boundary"] = l }
        if let u = m.upperBoundary { out["upper_boundary"] = u }
        return out
    }

    /// The request; the API key, when given, goes in the Authorization header only.
    public static func request(body: Data, host: String, apiKey: String?) -> HTTPRequest {
        HTTPRequest(method: "POST", url: host.trimmingSuffix("/") + "/v0/run",
                    headers: (apiKey.map { [("Authorization", authorization($0))] } ?? [])
                        + [("Content-Type", "application/json"), ("Accept", "application/json")],
                    body: body)
    }

    /// The Authorization header's value for an API key.
    public static func authorization(_ apiKey: String) -> String { "Bearer \(apiKey)" }

    /// The models bpfgate's configuration lets Bencher mirror, per measure of `run`, and what it cannot:
    /// Bencher keys a threshold by branch, testbed and measure, so a rule for some benchmarks only has no
    /// Bencher equivalent. The configuration's `model` applies to every measure; a rule whose benchmark
    /// pattern matches everything (`.*`, `^.*$`, empty) overrides it for its measure.
    public static func mirroredModels(_ config: GateConfig, measures: Set<String>) -> (models: [String: ModelSpec], notMirrored: [String]) {
        var models: [String: ModelSpec] = [:]
        if let m = config.model { for measure in measures { models[measure] = m } }
        var notMirrored: [String] = []
        for rule in config.rules where rule.model != nil {
            let everything = ["", ".*", "^.*$", "^.*", ".*$"].contains(rule.benchmark)
            if everything, let measure = rule.measure {
                models[measure] = rule.model
            } else if everything {
                for measure in measures { models[measure] = rule.model }
            } else {
                notMirrored.append("\(rule.benchmark)\(rule.measure.map { " \($0)" } ?? "")")
            }
        }
        return (models, notMirrored)
    }

    /// What Bencher's answer (a JsonReport) says: the report, its project and the alerts that fired.
    public struct Report: Equatable, Sendable {
        public var uuid: String
        public var projectSlug: String?
        public var alerts: [String]
        /// counts.alerts.active when given, else the alerts listed.
        public var activeAlerts: Int

        /// Where a person sees it: bencher.dev's console for its API, else the API's own report URL.
        public func url(host: String) -> String {
            let h = host.trimmingSuffix("/")
            guard let slug = projectSlug else { return "\(h)/v0/reports/\(uuid)" }
            if h == BencherTarget.defaultHost { return "https://bencher.dev/console/projects/\(slug)/reports/\(uuid)" }
            return "\(h)/v0/projects/\(slug)/reports/\(uuid)"
        }
    }

    /// nil when the body is not a report.
    public static func report(_ data: Data) -> Report? {
        guard let doc = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let uuid = doc["uuid"] as? String else { return nil }
        let project = doc["project"] as? [String: Any]
        let alerts = (doc["alerts"] as? [[String: Any]] ?? []).map(describe(alert:))
        let counts = (doc["counts"] as? [String: Any])?["alerts"] as? [String: Any]
        return Report(uuid: uuid, projectSlug: project?["slug"] as? String, alerts: alerts,
                      activeAlerts: (counts?["active"] as? Int) ?? alerts.count)
    }

    /// One line per alert: benchmark, measure, value and the limit it crossed.
    static func describe(alert: [String: Any]) -> String {
        let benchmark = (alert["benchmark"] as? [String: Any])?["name"] as? String ?? "?"
        let measure = ((alert["threshold"] as? [String: Any])?["measure"] as? [String: Any])?["name"] as? String
        let value = (alert["metric"] as? [String: Any])?["value"] as? Double
        let limit = alert["limit"] as? String
        var line = benchmark
        if let measure { line += " \(measure)" }
        if let value { line += " = \(value)" }
        if let limit { line += " beyond its \(limit) limit" }
        return line
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
