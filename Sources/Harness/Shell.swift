import CHarness
import Foundation

/// The one way bpfgate (and its tests) run a child process to its end: posix_spawn with stdin empty, stdout
/// and stderr on pipes that one poll(2) loop drains together, so a chatty stderr never blocks the child and
/// no output is lost. (swift-subprocess does the same asynchronously; blocking on it from a synchronous caller
/// that is a cooperative-pool thread, as every Swift Testing test is, deadlocks once the pool's threads, one
/// per core, all wait: see ARCHITECTURE.md, decisions.)
public enum Shell {
    /// What a child did: its exit status (128 + the signal when one ended it, 127 when it could not start),
    /// everything it wrote, and stdout trimmed.
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// stdout without surrounding white space.
        public var output: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        /// stderr (the name callers of the tuple this replaced use).
        public var error: String { stderr }
    }

    /// `run` in a process group of its own that bpfgate's clean-up kills if bpfgate stops first (Ctrl-C, SIGTERM,
    /// `--timeout`): a build must not go on writing into a worktree that clean-up removes.
    public static func runStoppable(_ argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil) -> Outcome {
        var token: Int?
        let r = run(argv, environment: environment, workingDirectory: workingDirectory, processGroup: true) { pid in
            token = Cleanup.shared.register("stop \(argv.first ?? "a child")") { kill(-pid, SIGKILL) }
        }
        if let token { Cleanup.shared.forget(token) }
        return r
    }

    /// Runs `argv` (a path, or a name looked up on PATH) to its end. `environment` adds to or overrides the
    /// inherited environment; `signal` is sent `after` seconds if the child still runs (tests of Ctrl-C);
    /// `started` gets the child's pid (to stop it from a clean-up action); `processGroup`: the child leads a process
    /// group of its own (`kill(-pid, ...)` reaches what it starts).
    public static func run(_ argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil,
                           signal: Int32? = nil, after delay: Double = 0, processGroup: Bool = false, started: ((pid_t) -> Void)? = nil) -> Outcome {
        guard let first = argv.first else { return Outcome(status: 127, stdout: "", stderr: "no command") }
        var input: [Int32] = [-1, -1], out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard bpfgate_pipe_cloexec(&input) == 0, bpfgate_pipe_cloexec(&out) == 0, bpfgate_pipe_cloexec(&err) == 0 else {
            let problem = String(cString: strerror(errno))
            for fd in input + out + err where fd >= 0 { close(fd) }
            return Outcome(status: 127, stdout: "", stderr: "pipe: \(problem)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        if let workingDirectory { bpfgate_spawn_addchdir(&actions, workingDirectory) }
        // The child starts with default signal handling and no blocked signals, whatever bpfgate ignores.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&empty)
        for sig in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (processGroup ? POSIX_SPAWN_SETPGROUP : 0)))
        if processGroup { posix_spawnattr_setpgroup(&attributes, 0) }

        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let cArgs = argv.map { strdup($0) } + [nil], cEnv = env.map { strdup($0) } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var pid: pid_t = 0
        let spawned = first.contains("/") ? posix_spawn(&pid, first, &actions, &attributes, cArgs, cEnv)
            : posix_spawnp(&pid, first, &actions, &attributes, cArgs, cEnv)
        close(input[0]); close(input[1]); close(out[1]); close(err[1])
        guard spawned == 0 else {
            close(out[0]); close(err[0])
            return Outcome(status: 127, stdout: "", stderr: "\(first): \(String(cString: strerror(spawned)))")
        }
        started?(pid)
        let (stdout, stderr) = drain(out[0], err[0], signal: signal.map { (pid, $0, Date().addingTimeInterval(max(0, delay))) })
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: code, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Reads both pipes to their ends (and closes them); sends the signal at its time if the child still writes.
    static func drain(_ outFD: Int32, _ errFD: Int32, signal: (pid: pid_t, sig: Int32, at: Date)?) -> ([UInt8], [UInt8]) {
        var fds = [pollfd(fd: outFD, events: Int16(POLLIN), revents: 0), pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
        var buffers: [[UInt8]] = [[], []]
        var pending = signal
        var chunk = [UInt8](repeating: 0, count: 65536)
        while fds.contains(where: { $0.fd >= 0 }) {
            var timeout: Int32 = -1
            if let p = pending {
                let left = p.at.timeIntervalSinceNow
                if left <= 0 {
                    kill(p.pid, p.sig)
                    pending = nil
                    continue
                }
                timeout = Int32(min(left * 1000, 60_000).rounded(.up))
            }
            if poll(&fds, nfds_t(fds.count), timeout) < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = read(fds[i].fd, &chunk, chunk.count)
                if n > 0 {
                    buffers[i].append(contentsOf: chunk[0 ..< n])
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[i].fd)
                    fds[i].fd = -1
                }
            }
        }
        // The pipes closed before the signal's time (the child closed them, or handed them on): it still comes.
        if let p = pending {
            let left = p.at.timeIntervalSinceNow
            if left > 0 { Thread.sleep(forTimeInterval: left) }
            kill(p.pid, p.sig)
        }
        return (buffers[0], buffers[1])
    }
}
