import Configuration
import Foundation
import Harness
import Results
import Suites

/// Runs `bpfgate run` in child processes: baselines need the variation between processes, which one
/// process repeating itself would not show (most of this machine's noise is between processes).
enum ChildRuns {
    /// The runs' results. A run whose benchmarks partly failed (exit 3 with a results file) is kept, failed
    /// benchmarks with their statuses, and `progress` says so; any other failure stops the recording.
    /// From `minimum` runs on (default: all of them), `enough` is asked after each run whether to stop. One progress line
    /// per run with the time left, from `seconds` (what one run is expected to take) and then the runs' own times.
    /// `before`: runs made already (in this process), counted in the progress lines.
    static func run(count: Int, minimum: Int? = nil, before: Int = 0, plan: RunPlan, seconds: Double? = nil,
                    enough: ([ResultsFile]) -> Bool = { _ in false }, progress: (String) -> Void) throws -> [ResultsFile] {
        guard count > 0 else { return [] }
        let minimum = min(count, minimum ?? count)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-runs-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let token = Cleanup.shared.register("remove \(dir.path)") { try? FileManager.default.removeItem(at: dir) }
        defer { Cleanup.shared.run(token) }
        // The plan whole, as data: the child does not resolve profile, flags and configuration again.
        let planFile = dir.appendingPathComponent("plan.json").path
        try plan.encoded().write(to: URL(fileURLWithPath: planFile))
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var results: [ResultsFile] = []
        var took: [Double] = []
        for i in 1 ... count {
            if i > minimum && enough(results) { break }
            let each = took.isEmpty ? seconds : took.reduce(0, +) / Double(took.count)
            let of = minimum == count ? "\(count + before)" : "\(minimum + before)-\(count + before)"
            // This run's and the rest's: a range while `enough` may stop the recording early.
            let left = each.map { e in
                let upTo = RunClock.clock(e * Double(count - i + 1))
                let range = minimum == count ? upTo : i <= minimum ? "\(RunClock.clock(e * Double(minimum - i + 1)))-\(upTo)" : "up to \(upTo)"
                return ", ~\(RunClock.clock(e)) each, ~\(range) left"
            } ?? ""
            progress("run \(i + before) of \(of)\(left)")
            let runStarted = Date()
            defer { took.append(Date().timeIntervalSince(runStarted)) }
            let path = dir.appendingPathComponent("run\(i).json").path
            // The child stops with us: our --timeout bounds it, and a SIGTERM to us is passed on.
            var argv = [exe, "run", "--quiet", "--results", path, "--plan", planFile]
            if let left = Lifecycle.secondsLeft { argv += ["--timeout", String(format: "%.3f", max(0.001, left))] }
            let child = ChildPID()
            let stop = Cleanup.shared.register("stop the child run") { child.terminate() }
            let r = Shell.run(argv, started: { child.pid = $0 })
            Cleanup.shared.run(stop)
            let last = r.stderr.split(separator: "\n").last.map(String.init)?.replacingOccurrences(of: "bpfgate: error: ", with: "")
            if r.status == ExitStatus.benchmarkFailed.rawValue, let run = try? ResultsCodec.read(path: path) {
                let failed = run.benchmarks.filter { $0.measures.contains { if case .failed = $0.status { true } else { false } } }
                if !failed.isEmpty {
                    progress("run \(i + before): \(failed.count) benchmark(s) failed (first: \(failed[0].name)); the run is kept, those with their failed status")
                    results.append(run)
                    continue
                }
            }
            guard r.status == 0 else {
                throw ChildRunError(status: r.status, message: last ?? "exit \(r.status)")
            }
            results.append(try ResultsCodec.read(path: path))
        }
        return results
    }
}

/// The running child's pid, for the clean-up action that stops it.
final class ChildPID: @unchecked Sendable {
    private let lock = NSLock()
    private var value: pid_t = 0
    var pid: pid_t {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
    func terminate() { if pid > 0 { kill(pid, SIGTERM) } }
}

/// A child `bpfgate run` failed: its own exit status and last line are passed on (a signal, or a status
/// bpfgate does not use, is a failed benchmark run: exit 3).
struct ChildRunError: Error, CustomStringConvertible, ExitStatusProviding {
    let status: Int32
    let message: String
    var description: String { "a baseline run failed: \(message)" }
    var exitStatus: ExitStatus {
        guard let s = ExitStatus(rawValue: status), s != .ok, s != .unexpected else { return .benchmarkFailed }
        return s
    }
}
