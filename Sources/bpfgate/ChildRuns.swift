import Foundation
import Results
import Suites

/// Runs `bpfgate run` in child processes: baselines need the variation between processes, which one
/// process repeating itself would not show (most of this machine's noise is between processes).
enum ChildRuns {
    static func run(count: Int, arguments: [String], progress: (String) -> Void) throws -> [ResultsFile] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfgate-runs-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let token = Cleanup.shared.register("remove \(dir.path)") { try? FileManager.default.removeItem(at: dir) }
        defer { Cleanup.shared.run(token) }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var results: [ResultsFile] = []
        for i in 1 ... count {
            progress("run \(i)/\(count)")
            let path = dir.appendingPathComponent("run\(i).json").path
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["run", "--quiet", "--results", path] + arguments
            p.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            p.standardError = err
            try p.run()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                let line = message.split(separator: "\n").last.map(String.init) ?? "exit \(p.terminationStatus)"
                throw ChildRunError(status: p.terminationStatus, message: line.replacingOccurrences(of: "bpfgate: error: ", with: ""))
            }
            results.append(try ResultsCodec.read(path: path))
        }
        return results
    }
}

/// A child `bpfgate run` failed: its own exit status and last line are passed on.
struct ChildRunError: Error, CustomStringConvertible, ExitStatusProviding {
    let status: Int32
    let message: String
    var description: String { "a baseline run failed: \(message)" }
    var exitStatus: ExitStatus { ExitStatus(rawValue: status) ?? .unexpected }
}
