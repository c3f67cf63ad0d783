import ArgumentParser
import Configuration
import Foundation
import Gate
import Results
import Suites
import Tracking

// What the upload options do: build an upload, the uploader that sends it with retries and the outbox, and
// say how it went. The option groups themselves (UploadCommand.swift) hold the parsed values and their checks.

extension UploadOptions {
    func uploader() throws -> Uploader {
        var policy = RetryPolicy()
        policy.attempts = attempts
        policy.maxDelay = maxBackoff
        policy.baseDelay = min(policy.baseDelay, maxBackoff)
        policy.maxRetryAfter = max(maxBackoff, 60)
        return Uploader(transport: connection.transport(), policy: policy, outbox: Outbox(directory: outbox),
                        credentials: try connection.credentials())
    }

    /// The upload of `run` to `target`, before credentials.
    func upload(_ run: ResultsFile, to target: UploadTarget, testbed: String?, config: GateConfig) throws -> Upload {
        switch target {
        case .bencher:
            var t = BencherTarget()
            t.host = host ?? environment["BENCHER_HOST"] ?? BencherTarget.defaultHost
            t.project = project ?? environment["BENCHER_PROJECT"]
            t.branch = branch ?? environment["BENCHER_BRANCH"]
            t.testbed = testbed ?? environment["BENCHER_TESTBED"]
            t.hash = hash ?? (run.run.git == nil ? Environment.gitState()?.commit : nil)
            if thresholds {
                let measures = Set(run.benchmarks.flatMap { $0.measures.filter { $0.status == .ok }.map(\.measure) })
                let (models, notMirrored) = Bencher.mirroredModels(config, measures: measures)
                if models.isEmpty { note("bpfgate: --thresholds: the configuration sets no threshold model (`gate.model` or a rule's `model`): none sent") }
                for rule in notMirrored {
                    note("bpfgate: --thresholds: the rule for '\(rule)' is per benchmark; Bencher keys models by measure only: not mirrored")
                }
                t.models = models
            }
            return try Upload.bencher(run, target: t)
        case .influxdb:
            return try Upload.influx(run, target: try influx.target(branch: branch ?? environment["BENCHER_BRANCH"], environment: environment))
        }
    }

    /// Uploads and says how it went, one line (plus Bencher's alerts); the exit status it stands for.
    func send(_ upload: Upload, with uploader: Uploader) throws -> ExitStatus {
        switch try uploader.deliver(upload, log: { note("bpfgate: \($0)") }) {
        case let .accepted(response):
            guard upload.target == "bencher" else {
                note("bpfgate: uploaded run \(upload.run) to \(upload.request.url) (HTTP \(response.status))")
                return .ok
            }
            guard let report = Bencher.report(response.body) else {
                note("bpfgate: uploaded run \(upload.run) (HTTP \(response.status)); the answer was not a Bencher report")
                return .ok
            }
            let host = upload.request.url.replacingOccurrences(of: "/v0/run", with: "")
            note("bpfgate: uploaded run \(upload.run): report \(report.url(host: host)) (\(report.activeAlerts) alert(s))")
            for alert in report.alerts { note("bpfgate: alert: \(uploader.delivery.secrets.redact(alert))") }
            return report.activeAlerts > 0 && failOnAlert ? .regression : .ok
        case let .spooled(path, problem, _):
            note("bpfgate: upload failed (\(problem)); kept in \(path): send it later with `bpfgate upload --flush`")
            return .transportFailure
        }
    }
}

extension InfluxOptions {
    func target(branch: String?, environment: [String: String]) throws -> InfluxTarget {
        guard let url = influxUrl ?? environment["INFLUX_URL"], let db = influxDb ?? environment["INFLUX_DB"] else {
            throw ValidationError("influxdb needs --influx-url and --influx-db (or INFLUX_URL and INFLUX_DB)")
        }
        try requireNoCredentials(url, option: influxUrl == nil ? "INFLUX_URL" : "--influx-url")
        if let branch, branch.contains(where: Text.isControl) { throw ValidationError("the branch has control characters") }
        return InfluxTarget(url: url, database: db, branch: branch)
    }
}

extension ConnectionOptions {
    func transport() -> CurlTransport {
        var options = CurlTransport.Options(userAgent: "bpfgate/\(Environment.toolVersion) (\(CurlTransport.version.split(separator: " ").first ?? "libcurl"))")
        options.connectTimeout = connectTimeout
        options.totalTimeout = httpTimeout
        options.caFile = cacert
        options.insecure = insecure
        return CurlTransport(options: options)
    }

    /// The secrets: the environment, overridden by `--secrets-file`.
    func credentials() throws -> Credentials {
        let values = try secrets(["BENCHER_API_KEY", "INFLUX_USERNAME", "INFLUX_PASSWORD", "INFLUX_TOKEN"])
        var c = Credentials(bencherKey: values["BENCHER_API_KEY"].flatMap { $0.isEmpty ? nil : $0 })
        if let token = values["INFLUX_TOKEN"], !token.isEmpty {
            c.influx = .token(token)
        } else if let user = values["INFLUX_USERNAME"], !user.isEmpty {
            c.influx = .basic(user: user, password: values["INFLUX_PASSWORD"] ?? "")
        }
        return c
    }

    /// The values of `keys`: from the environment, overridden by the lines of `--secrets-file`.
    func secrets(_ keys: [String]) throws -> [String: String] {
        var values = environment.filter { keys.contains($0.key) }
        if let secretsFile {
            guard let text = try? String(contentsOfFile: secretsFile, encoding: .utf8) else {
                throw ValidationError("--secrets-file: cannot read '\(secretsFile)'")
            }
            for (n, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let eq = line.firstIndex(of: "="), !line[..<eq].isEmpty else {
                    // Never echo the line: it may be a secret.
                    throw ValidationError("--secrets-file: line \(n + 1) is not KEY=VALUE")
                }
                let key = String(line[..<eq]).trimmingCharacters(in: .whitespaces)
                if keys.contains(key) { values[key] = String(line[line.index(after: eq)...]) }
            }
        }
        return values
    }
}
