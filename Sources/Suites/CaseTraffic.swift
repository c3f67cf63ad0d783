import BPFCatalog
import Foundation
import Harness
import Results

/// A case's traffic: the built-in generator, or the user's command (whose events bpfgate cannot count:
/// `events` stays 0), bounded by the user's seconds and the benchmark's budget. `stop()` is idempotent.
final class CaseTraffic {
    private let generator: TrafficGenerator?
    private let command: BackgroundCommand?

    init(_ c: MacroCase, threads: Int, seconds: Double, socket: Int32, iterator: IteratorSlot? = nil) throws {
        if let cmd = c.command {
            generator = nil
            command = try BackgroundCommand(["timeout", "--kill-after=2", String(format: "%.0f", min(cmd.seconds, seconds))] + cmd.argv,
                                            journalName: URL(fileURLWithPath: cmd.argv[0]).lastPathComponent) {
                SystemCallError(call: "traffic command \(cmd.argv.joined(separator: " ")): \($0)", errno: ENOENT)
            }
        } else {
            generator = try TrafficGenerator(kind: c.traffic, threads: c.threads ?? threads, maxSeconds: seconds, maxEvents: c.maxEvents ?? .max,
                                         socket: socket, iterator: iterator)
            command = nil
        }
    }

    var events: UInt64 { generator?.events ?? 0 }
    /// Why the built-in workload stopped early, once stopped (`TrafficGenerator.failure`).
    var failure: SystemCallError? { generator?.failure }
    /// The traffic is the user's command: its events are not counted.
    var isCommand: Bool { command != nil }

    func stop() {
        generator?.stop()
        command?.stop()
    }
}

extension MacroSuite {
    /// A workload that could not run: unsupported where the machine lacks what it needs (user namespaces for the
    /// jail, a block-backed filesystem for direct I/O, a syscall this architecture does not have), else failed.
    static func workloadStatus(_ error: Error, _ kind: TrafficKind) -> Status {
        let code = (error as? SystemCallError)?.errno ?? 0
        let needs = kind.facts.needs
        if code == ENOSYS
            || needs.contains(.jail) && [EPERM, EINVAL, ENOSPC, EUSERS].contains(code)
            || needs.contains(.blockDevice) && [ENOENT, EOPNOTSUPP, EINVAL].contains(code) {
            return .unsupported("\(error)")
        }
        return .failed("\(error)")
    }
}
