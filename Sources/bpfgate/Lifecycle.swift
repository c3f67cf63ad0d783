import ArgumentParser
import BPF
import Foundation
import Harness
import Results
import Suites

/// Exit paths: every one runs the pending kernel clean-ups, prints at most one line and exits with a code
/// from `ExitStatus`. Signals (SIGINT, SIGTERM) and the global timeout take the same path.
enum Lifecycle {
    /// Thrown by a command that has already reported and wants a specific status.
    struct Exit: Error { let status: ExitStatus }

    private static var signalSources: [DispatchSourceSignal] = []
    /// Read and written under the clean-up lock: whether some output was written (for the timeout's message).
    private static var outputsWritten = false
    /// When `--timeout` ends the command, if one was given.
    private(set) static var deadline: Date?
    /// Seconds until `--timeout` (nil without one): child runs get what is left.
    static var secondsLeft: Double? { deadline.map { $0.timeIntervalSinceNow } }

    /// Installs the SIGINT/SIGTERM handlers and, when `timeout` is set, the watchdog.
    static func install(timeout: Double?) {
        for (sig, name) in [(SIGINT, "interrupted"), (SIGTERM, "terminated")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Cleanup.shared.critical {
                    Cleanup.shared.runAll()
                    FileHandle.standardError.write(Data("bpfgate: \(name); kernel state restored\n".utf8))
                    Foundation.exit(128 + sig)
                }
            }
            source.resume()
            signalSources.append(source)
        }
        if let timeout {
            deadline = Date().addingTimeInterval(timeout)
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                Cleanup.shared.critical {
                    let written = outputsWritten ? "" : "; nothing was written"
                    fail(.benchmarkFailed, "timed out after \(TerminalTableFormat.seconds(timeout)) (--timeout)\(written)")
                }
            }
        }
    }

    /// Writes a command's outputs all or none (`StagedOutputs`): temporary files first (removed by a stop),
    /// then devices and FIFOs with the timeout still armed, then the renames with the timeout and signals held
    /// off, so a stop leaves every output or none. The timeout stays armed for what follows (uploads, child runs).
    static func write(_ outputs: [(path: String, data: Data)]) throws {
        guard !outputs.isEmpty else { return }
        let staged = try StagedOutputs(outputs)
        let token = Cleanup.shared.register("remove temporary outputs") { staged.discard() }
        defer { Cleanup.shared.run(token) }
        try staged.stage()
        try staged.writeInPlace()
        try Cleanup.shared.critical {
            try staged.commit()
            outputsWritten = true
        }
    }

    /// A run's outputs, all or none: its results file (`--results`) and its BMF (`--output`, else stdout).
    static func write(run: ResultsFile, output: String?, results: String?) throws {
        let bmf = try BMF.encode(BMF.document(from: run))
        var outputs: [(path: String, data: Data)] = []
        if let results { outputs.append((results, try ResultsCodec.encode(run))) }
        if let output { outputs.append((output, bmf)) }
        try write(outputs)
        if output == nil { FileHandle.standardOutput.write(bmf) }
    }

    /// Exits holding the clean-up lock, so a signal or the timeout cannot add a second ending.
    static func exit(_ status: ExitStatus) -> Never {
        Cleanup.shared.critical {
            Cleanup.shared.runAll()
            Foundation.exit(status.rawValue)
        }
    }

    static func fail(_ status: ExitStatus, _ message: String) -> Never {
        Cleanup.shared.critical {
            Cleanup.shared.runAll()
            FileHandle.standardError.write(Data("bpfgate: error: \(Text.oneLine(message))\n".utf8))
            Foundation.exit(status.rawValue)
        }
    }

    /// The exit status and the one line for an error.
    static func classify(_ error: Error) -> (ExitStatus, String) {
        switch error {
        case let e as ExitStatusProviding: return (e.exitStatus, "\(e)")
        case let e as BPFError: return (e.isPermissionDenied ? .missingPrivilegeOrFeature : .benchmarkFailed, e.description)
        case let e as ValidationError: return (.usage, e.message)
        case let e as CocoaError:
            // A file operation bpfgate did not wrap: name the file, no Foundation dump.
            let path = e.filePath ?? (e.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
            return (e.isFileError && e.code.rawValue >= 512 ? .writeFailed : .badInput, "\(path): \(e.localizedDescription)")
        default: return (.unexpected, "unexpected: \(error)")
        }
    }
}

enum TerminalTableFormat {
    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s) }
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Stop after this many seconds with exit code 3, restoring kernel state (at most 604800, a week).")
    var timeout: Double?

    @Flag(name: .shortAndLong, help: "Echo libbpf's messages (-v warnings, -vv everything).")
    var verbose: Int

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 604_800) { throw ValidationError("--timeout must be a number of seconds in (0, 604800]") }
    }

    func apply() {
        Lifecycle.install(timeout: timeout)
        if verbose > 0 { BPFLibrary.setVerbosity(verbose) }
    }
}

/// Writes to stderr (progress, tables, logs): stdout carries only the command's data.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
