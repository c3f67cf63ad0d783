import Foundation
import Results

/// Background load during a run (CPU and memory pressure): `cpu:P` keeps every CPU P %
/// busy, `vm:P` keeps P % of the available memory allocated and touched, both with stress-ng.
///
/// stress-ng runs as a `BackgroundCommand` (its own process group, dies with bpfgate, stopped on every exit
/// path, journaled) with `--timeout` (it stops by itself).
public struct LoadScenario: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case cpu, vm }
    public let kind: Kind
    public let percent: Int

    /// Parses `cpu:80` or `vm:75` (1...100); nil for anything else.
    public init?(_ spec: String) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), let p = Int(parts[1]), (1 ... 100).contains(p) else { return nil }
        self.kind = kind
        percent = p
    }

    public var description: String { "\(kind.rawValue):\(percent)" }

    /// stress-ng's arguments for this scenario, bounded by `seconds`.
    public func arguments(seconds: Int) -> [String] {
        let common = ["--timeout", "\(max(1, seconds))s", "--quiet"]
        switch kind {
        case .cpu: return ["--cpu", "0", "--cpu-load", "\(percent)"] + common
        case .vm: return ["--vm", "1", "--vm-bytes", "\(percent)%", "--vm-keep"] + common
        }
    }

    /// A running stress-ng, in a process group of its own (its workers too).
    public final class Running {
        public let scenario: LoadScenario
        public let commandLine: String
        let command: BackgroundCommand

        init(scenario: LoadScenario, command: BackgroundCommand) {
            self.scenario = scenario
            self.command = command
            commandLine = command.argv.joined(separator: " ")
        }

        /// Stops stress-ng and its workers (SIGTERM to the group, SIGKILL after 2 s) and reaps it. Idempotent.
        public func stop() { command.stop() }
    }

    /// Starts stress-ng for at most `seconds`; throws if it cannot start or exits at once.
    public func start(seconds: Int) throws -> Running {
        let command = try BackgroundCommand(["stress-ng"] + arguments(seconds: seconds), journalName: "stress-ng") {
            LoadError(message: "--load \(self): \($0)")
        }
        // stress-ng refuses bad arguments, and setpriv a missing stress-ng, within a moment.
        usleep(300_000)
        if let status = command.exited() {
            command.stop()
            throw LoadError(message: "--load \(self): stress-ng stopped at once (wait status \(status)); is the stress-ng package installed?")
        }
        return Running(scenario: self, command: command)
    }
}

/// stress-ng could not run: the machine lacks what the scenario needs (exit 5).
public struct LoadError: Error, CustomStringConvertible, ExitStatusProviding {
    public let message: String
    public var description: String { message }
    public var exitStatus: ExitStatus { .missingPrivilegeOrFeature }
}
