import Foundation
import Results

/// Background load during a run (the seeds' CPU and memory pressure cases): `cpu:P` keeps every CPU P %
/// busy, `vm:P` keeps P % of the available memory allocated and touched, both with stress-ng.
///
/// stress-ng runs in a process group of its own, under `setpriv --pdeathsig KILL` (it dies with bpfgate,
/// however bpfgate dies) and with `--timeout` (it stops by itself). The exit paths stop the whole group through
/// `Cleanup` (SIGTERM, then SIGKILL) and reap it with waitpid (not Foundation's Process, whose reaping needs
/// a run loop that bpfgate does not run); a journal entry lets the next bpfgate kill one that survived anyway.
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
        let pid: pid_t
        private var token: Int?

        init(scenario: LoadScenario, pid: pid_t, commandLine: String, token: Int) {
            self.scenario = scenario
            self.pid = pid
            self.commandLine = commandLine
            self.token = token
        }

        /// Stops stress-ng and its workers (SIGTERM to the group, SIGKILL after 2 s) and reaps it. Idempotent.
        public func stop() {
            if let token { Cleanup.shared.run(token) }
            token = nil
        }

        /// Whether it has exited (reaped now if so).
        func exited() -> Int32? {
            var status: Int32 = 0
            return waitpid(pid, &status, WNOHANG) == pid ? status : nil
        }

        static func terminate(_ pid: pid_t) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { kill(-pid, SIGKILL); return }  // gone; its workers too
            kill(-pid, SIGTERM)
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline {
                if waitpid(pid, &status, WNOHANG) == pid { kill(-pid, SIGKILL); return }
                usleep(20_000)
            }
            kill(-pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
        }
    }

    /// Starts stress-ng for at most `seconds`; throws if it cannot start or exits at once.
    public func start(seconds: Int) throws -> Running {
        let argv = ["setpriv", "--pdeathsig", "KILL", "stress-ng"] + arguments(seconds: seconds)
        let (pid, token) = try Cleanup.shared.change("stop stress-ng", { () throws -> pid_t in
            var attr = posix_spawnattr_t()
            posix_spawnattr_init(&attr)
            defer { posix_spawnattr_destroy(&attr) }
            // Its own process group; default signal dispositions and an empty mask: stress-ng stops its workers
            // with SIGALRM, and an ignored signal would be inherited through exec (a parent that ignores
            // SIGALRM left workers spinning forever).
            posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
            posix_spawnattr_setpgroup(&attr, 0)
            var all = sigset_t(), none = sigset_t()
            sigfillset(&all)
            sigemptyset(&none)
            posix_spawnattr_setsigdefault(&attr, &all)
            posix_spawnattr_setsigmask(&attr, &none)
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            defer { cargs.forEach { free($0) } }
            var pid: pid_t = 0
            let err = posix_spawnp(&pid, argv[0], &actions, &attr, &cargs, environ)
            if err != 0 { throw LoadError(message: "--load \(self): cannot start \(argv[0]): \(String(cString: strerror(err)))") }
            return pid
        }, leftover: { .process(pid: $0, command: "stress-ng") }, undo: { Running.terminate($0) })
        let running = Running(scenario: self, pid: pid, commandLine: argv.dropFirst(3).joined(separator: " "), token: token)
        // stress-ng refuses bad arguments, and setpriv a missing stress-ng, within a moment.
        usleep(300_000)
        if let status = running.exited() {
            running.stop()
            throw LoadError(message: "--load \(self): stress-ng stopped at once (wait status \(status)); is the stress-ng package installed?")
        }
        return running
    }
}

/// stress-ng could not run: the machine lacks what the scenario needs (exit 5).
public struct LoadError: Error, CustomStringConvertible, ExitStatusProviding {
    public let message: String
    public var description: String { message }
    public var exitStatus: ExitStatus { .missingPrivilegeOrFeature }
}
