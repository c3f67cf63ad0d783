import ArgumentParser
import BPF
import Foundation
import Results
import Suites

/// Exit paths: every one runs the pending kernel clean-ups, prints at most one line and exits with a code
/// from `ExitStatus`. Signals (SIGINT, SIGTERM) and the global timeout take the same path.
enum Lifecycle {
    /// Thrown by a command that has already reported and wants a specific status.
    struct Exit: Error { let status: ExitStatus }

    private static var signalSources: [DispatchSourceSignal] = []
    /// Read and written under the clean-up lock.
    private static var timeoutArmed = false

    /// Installs the SIGINT/SIGTERM handlers and, when `timeout` is set, the watchdog.
    static func install(timeout: Double?) {
        for (sig, name) in [(SIGINT, "interrupted"), (SIGTERM, "terminated")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Cleanup.shared.runAll()
                FileHandle.standardError.write(Data("bpfgate: \(name); kernel state restored\n".utf8))
                Foundation.exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
        if let timeout {
            timeoutArmed = true
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                Cleanup.shared.critical {
                    guard timeoutArmed else { return }
                    fail(.benchmarkFailed, "timed out after \(TerminalTableFormat.seconds(timeout)) (--timeout); nothing was written")
                }
            }
        }
    }

    /// Runs `body` (writing the outputs) with the timeout off and signals held until it is done, so a run
    /// that finished measuring writes all its files or, if stopped before, none.
    static func commit(_ body: () throws -> Void) throws {
        try Cleanup.shared.critical {
            timeoutArmed = false
            try body()
        }
    }

    static func exit(_ status: ExitStatus) -> Never {
        Cleanup.shared.runAll()
        Foundation.exit(status.rawValue)
    }

    static func fail(_ status: ExitStatus, _ message: String) -> Never {
        Cleanup.shared.runAll()
        FileHandle.standardError.write(Data("bpfgate: error: \(message)\n".utf8))
        Foundation.exit(status.rawValue)
    }

    /// The exit status and the one line for an error.
    static func classify(_ error: Error) -> (ExitStatus, String) {
        switch error {
        case let e as ExitStatusProviding: return (e.exitStatus, "\(e)")
        case let e as BPFError: return (e.isPermissionDenied ? .missingPrivilegeOrFeature : .benchmarkFailed, e.description)
        case let e as ValidationError: return (.usage, e.message)
        default: return (.unexpected, "unexpected: \(error)")
        }
    }
}

enum TerminalTableFormat {
    static func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s) }
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Stop after this many seconds with exit code 3, restoring kernel state.")
    var timeout: Double?

    @Flag(name: .shortAndLong, help: "Echo libbpf's messages (-v warnings, -vv everything).")
    var verbose: Int

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
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
