import Foundation

/// A command running in the background in a process group of its own, under `setpriv --pdeathsig KILL`
/// (it dies with bpfgate, however bpfgate dies), with default signal dispositions and stdout/stderr to
/// /dev/null. It is stopped through `Cleanup` (SIGTERM to the group, SIGKILL after 2 s, reaped with
/// waitpid: not Foundation's Process, whose reaping needs a run loop bpfgate does not run) on every exit
/// path, and journaled so that the next bpfgate kills what survived a SIGKILL (group members whose command
/// name starts with `journalName`).
public final class BackgroundCommand {
    public let argv: [String]
    let pid: pid_t
    private var token: Int?

    /// Starts `argv` (looked up in PATH). Throws `failure(message)` when it cannot start.
    public init(_ argv: [String], journalName: String, failure: (String) -> Error) throws {
        self.argv = argv
        let full = ["setpriv", "--pdeathsig", "KILL"] + argv
        (pid, token) = try Cleanup.shared.change("stop \(argv[0])", { () throws -> pid_t in
            var attr = posix_spawnattr_t()
            posix_spawnattr_init(&attr)
            defer { posix_spawnattr_destroy(&attr) }
            // Default dispositions and an empty mask: an ignored signal is inherited through exec (a parent
            // that ignored SIGALRM once left stress-ng's workers spinning forever).
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
            var cargs: [UnsafeMutablePointer<CChar>?] = full.map { strdup($0) } + [nil]
            defer { cargs.forEach { free($0) } }
            var pid: pid_t = 0
            let err = posix_spawnp(&pid, full[0], &actions, &attr, &cargs, environ)
            if err != 0 { throw failure("cannot start \(full[0]): \(String(cString: strerror(err)))") }
            return pid
        }, leftover: { .process(pid: $0, command: String(journalName.prefix(15))) }, undo: { Self.terminate($0) })
    }

    /// Stops the command's whole process group and reaps it. Idempotent.
    public func stop() {
        if let token { Cleanup.shared.run(token) }
        token = nil
    }

    deinit { stop() }

    /// Its wait status if it has exited (reaped now), else nil.
    public func exited() -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? status : nil
    }

    static func terminate(_ pid: pid_t) {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { kill(-pid, SIGKILL); return }  // gone; its children too
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
