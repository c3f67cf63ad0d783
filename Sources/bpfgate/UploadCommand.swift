import ArgumentParser
import Configuration
import Foundation
import Gate
import Results
import Suites
import Tracking

/// Where trend data goes.
enum UploadTarget: String, ExpressibleByArgument, CaseIterable {
    case bencher, influxdb
}

/// How results reach a tracking server (shared by `upload` and `check --upload`). For Bencher the options
/// and environment variables mirror `bencher run`; secrets come from the environment or `--secrets-file`
/// and are never printed or written.
struct UploadOptions: ParsableArguments {
    @Option(help: "Bencher API host (env BENCHER_HOST; default \(BencherTarget.defaultHost)).")
    var host: String?

    @Option(help: "Bencher project slug or UUID (env BENCHER_PROJECT).")
    var project: String?

    @Option(help: "Branch (env BENCHER_BRANCH); also InfluxDB's branch tag.")
    var branch: String?

    @Option(help: "Full git commit hash (default: the run's commit, else git HEAD).")
    var hash: String?

    @Flag(help: "Send the configuration's threshold models to Bencher (per measure: per-benchmark rules cannot be mirrored).")
    var thresholds = false

    @Flag(help: "Exit 2 when Bencher reports an alert.")
    var failOnAlert = false

    @OptionGroup var influx: InfluxOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Attempts per upload, the first included (default 5).")
    var attempts: Int = 5

    @Option(help: "Largest backoff between attempts, seconds (default 30; a server's Retry-After up to 60 s is honoured).")
    var maxBackoff: Double = 30

    @Option(help: "Where failed uploads wait for `upload --flush` (default \(Outbox.defaultDirectory)).")
    var outbox: String = Outbox.defaultDirectory

    func validate() throws {
        if !(1 ... 100).contains(attempts) { throw ValidationError("--attempts must be 1...100") }
        if !(maxBackoff >= 0 && maxBackoff <= 3600) { throw ValidationError("--max-backoff must be 0...3600 seconds") }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: outbox, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--outbox '\(Text.oneLine(outbox))' is not a directory")
        }
        if outbox.isEmpty { throw ValidationError("--outbox needs a directory") }
        try requireNoCredentials(host, option: "--host")
        for (name, value) in [("--branch", branch), ("--project", project), ("--hash", hash)] {
            if let value, value.contains(where: Text.isControl) { throw ValidationError("\(name) has control characters") }
        }
    }

    var environment: [String: String] { connection.environment }

}

/// Where InfluxDB is (shared by `upload --to influxdb` and the history readers' `--from influxdb`).
struct InfluxOptions: ParsableArguments {
    @Option(help: "InfluxDB 1.x base URL, e.g. http://127.0.0.1:8086 (env INFLUX_URL).")
    var influxUrl: String?

    @Option(help: "InfluxDB database (env INFLUX_DB).")
    var influxDb: String?

    func validate() throws {
        try requireNoCredentials(influxUrl, option: "--influx-url")
        if let influxDb, influxDb.contains(where: Text.isControl) { throw ValidationError("--influx-db has control characters") }
    }

}

/// How bpfgate talks HTTP to a tracking server (libcurl): timeouts, TLS, and where secrets come from.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "A file of KEY=VALUE lines (BENCHER_API_KEY, INFLUX_USERNAME, INFLUX_PASSWORD, INFLUX_TOKEN); wins over the environment.")
    var secretsFile: String?

    @Option(help: "Seconds to wait for a connection.")
    var connectTimeout: Double = 10

    @Option(help: "Seconds an HTTP attempt may take in all.")
    var httpTimeout: Double = 60

    @Option(help: "A CA certificate (PEM) to trust besides the system's.")
    var cacert: String?

    @Flag(help: "Do not verify the server's TLS certificate (never the default).")
    var insecure = false

    func validate() throws {
        // libcurl takes whole milliseconds in a long: a day is more than any upload needs.
        if !(connectTimeout > 0 && connectTimeout <= 86_400) || !(httpTimeout > 0 && httpTimeout <= 86_400) {
            throw ValidationError("--connect-timeout and --http-timeout must be seconds in (0, 86400]")
        }
        if let cacert, !FileManager.default.isReadableFile(atPath: cacert) { throw ValidationError("--cacert: cannot read '\(cacert)'") }
        if let secretsFile, !FileManager.default.isReadableFile(atPath: secretsFile) {
            throw ValidationError("--secrets-file: cannot read '\(secretsFile)'")
        }
    }

    /// The environment, without empty values (an empty variable means unset).
    var environment: [String: String] { ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty } }

}

/// `bpfgate upload`: a saved run to a tracking server, or the outbox's waiting uploads.
struct UploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a results file (run/check --results) to Bencher or InfluxDB; --flush sends the outbox.",
        discussion: "Exit codes: 0 uploaded, 2 Bencher alert with --fail-on-alert, 6 not uploaded (kept in the outbox), 65 bad file.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var options: UploadOptions

    @Argument(help: "The results file to upload.")
    var file: String?

    @Option(help: "Where to: bencher or influxdb.")
    var to: UploadTarget = .bencher

    @Option(help: "Bencher testbed (env BENCHER_TESTBED; default: the run's testbed).")
    var testbed: String?

    @Flag(help: "Send the outbox's uploads, oldest first; each is deleted only once the server accepted it.")
    var flush = false

    func validate() throws {
        if flush == (file != nil) { throw ValidationError(flush ? "give a file or --flush, not both" : "give a results file to upload, or --flush") }
    }

    func run() throws {
        let uploader = try options.uploader()
        if flush {
            let report = try uploader.flush(log: { note("bpfgate: \($0)") })
            for (path, _) in report.sent { note("bpfgate: sent \(path)") }
            for (path, problem) in report.kept { note("bpfgate: kept \(path): \(problem)") }
            note("bpfgate: outbox \(options.outbox): \(report.sent.count) sent, \(report.kept.count) kept")
            throw Lifecycle.Exit(status: report.kept.isEmpty ? .ok : .transportFailure)
        }
        guard let data = FileManager.default.contents(atPath: file!) else {
            throw BadInputError(path: file!, problem: "cannot read the file")
        }
        let run = try ResultsCodec.decode(data, path: file!)
        let upload = try options.upload(run, to: to, testbed: testbed, config: try configOptions.load())
        throw Lifecycle.Exit(status: try options.send(upload, with: uploader))
    }
}

/// A server URL must not carry a user or password: they would be printed, logged and kept in the outbox.
func requireNoCredentials(_ url: String?, option: String) throws {
    guard let url else { return }
    if url.contains(where: Text.isControl) { throw ValidationError("\(option) has control characters") }
    let authority = url.components(separatedBy: "://").dropFirst().first?.split(separator: "/", maxSplits: 1).first ?? ""
    if authority.contains("@") {
        throw ValidationError("\(option) must not carry credentials (user:password@host): put them in --secrets-file or the environment (INFLUX_USERNAME, INFLUX_PASSWORD, INFLUX_TOKEN, BENCHER_API_KEY)")
    }
}
