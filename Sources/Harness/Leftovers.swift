import BPF
import Foundation

/// Kernel state a SIGKILLed bpfgate cannot undo and the kernel does not free by itself (a tracefs mount, a
/// tc filter and its clsact qdisc). Each such change is journaled in `/run/bpfgate` (tmpfs: gone after a
/// reboot, like the state it describes) as one file named after the owning pid; the normal undo removes the
/// file. `recover()`, run when bpfgate starts, undoes the journal of every bpfgate that is no longer alive.
/// Programs, links, maps and bpf_stats need no journal: they are fds and die with the process.
public enum Leftover: Codable, Equatable, Sendable {
    case tracefsMount(path: String)
    /// A sysctl bpfgate changed, with the value to restore.
    case sysctl(path: String, value: String)
    case cgroup(path: String)
    case process(pid: Int32, command: String)
    case tcFilter(ifindex: Int32, egress: Bool, handle: UInt32, priority: UInt32, createdQdisc: Bool)
    /// A workload's private directory of temporary files (`WorkloadDirectory`).
    case workloadDirectory(path: String)

    public var summary: String {
        switch self {
        case let .tracefsMount(path): return "the tracefs mount at \(path)"
        case let .sysctl(path, value): return "the change to \(path) (set back to \(value))"
        case let .cgroup(path): return "the cgroup \(path)"
        case let .process(pid, command): return "\(command) (pid \(pid))"
        case let .tcFilter(ifindex, egress, _, _, createdQdisc):
            return "a tc filter on \(String(cString: if_indextoname_safe(ifindex))) \(egress ? "egress" : "ingress")"
                + (createdQdisc ? " and its clsact qdisc" : "")
        case let .workloadDirectory(path): return "the workload directory \(path)"
        }
    }

    /// The processes of process group `pgid`, with their command names (from /proc/<pid>/stat).
    static func processGroup(_ pgid: Int32) -> [(pid: Int32, comm: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).compactMap { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            // After "pid (comm) ": state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == pgid else { return nil }
            return (pid, String(stat[stat.index(after: open) ..< close]))
        }
    }

    /// Undoes the change (best effort: what is already gone stays gone); true if there was something to undo.
    @discardableResult
    func undo() -> Bool {
        switch self {
        case let .tracefsMount(path): return umount2(path, Int32(MNT_DETACH)) == 0
        case let .sysctl(path, value):
            guard let now = try? Sysctl.read(path), now != value else { return false }
            return (try? Sysctl.write(value, to: path)) != nil
        case let .cgroup(path): return rmdir(path) == 0
        case let .process(pid, command):
            // The process group it led (its workers can outlive a SIGKILLed leader), members that still run
            // `command` only: pids are reused.
            let members = Leftover.processGroup(pid).filter { $0.comm.hasPrefix(command) }
            for member in members { kill(member.pid, SIGKILL) }
            return !members.isEmpty
        case let .tcFilter(ifindex, egress, handle, priority, createdQdisc):
            return TCAttachment.detach(ifindex: ifindex, egress: egress, handle: handle, priority: priority, destroyQdisc: createdQdisc)
        case let .workloadDirectory(path):
            guard FileManager.default.fileExists(atPath: path) else { return false }
            WorkloadDirectory.remove(path)
            return true
        }
    }
}

private func if_indextoname_safe(_ index: Int32) -> [CChar] {
    var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
    if if_indextoname(UInt32(index), &name) == nil { return Array("ifindex \(index)".utf8CString) }
    return name
}

public enum LeftoverJournal {
    public static var directory = "/run/bpfgate"

    /// Writes the journal entry of a change this process just made; returns its file (for `forget`).
    static func record(_ leftover: Leftover) -> String? {
        let path = "\(directory)/\(getpid())-\(UUID().uuidString.lowercased()).json"
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil,
              let data = try? JSONEncoder().encode(leftover),
              FileManager.default.createFile(atPath: path, contents: data) else { return nil }
        return path
    }

    static func forget(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Undoes what dead bpfgate processes left behind and drops their journal; returns one line per change
    /// that was still there to undo.
    /// Skipped while another bpfgate holds the macro lock: it may be using a mount a dead one made.
    @discardableResult
    public static func recover() -> [String] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory),
              files.contains(where: { $0.hasSuffix(".json") }) else { return [] }
        return MachineLock.ifFree("macro") { recoverLocked(files) } ?? []
    }

    static func recoverLocked(_ files: [String]) -> [String] {
        var done: [String] = []
        for file in files.sorted().reversed() where file.hasSuffix(".json") {
            guard let pid = Int32(file.split(separator: "-").first ?? ""), pid != getpid(), !isAlive(pid) else { continue }
            let path = "\(directory)/\(file)"
            if let data = FileManager.default.contents(atPath: path), let leftover = try? JSONDecoder().decode(Leftover.self, from: data),
               leftover.undo() {
                done.append("removed \(leftover.summary), left by bpfgate pid \(pid), which did not exit cleanly")
            }
            forget(path)
        }
        return done
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
}

/// A machine-wide lock between bpfgate processes (flock on a file in `/run/bpfgate`), for work that must not
/// overlap: two macro suites would share the tracefs mount one of them made, and disturb each other's
/// measurements. The kernel drops the lock when the process dies, however it dies.
public enum MachineLock {
    /// The lock file's fd, or -1 when /run/bpfgate cannot be written (not root: nothing to share with).
    static func openLock(_ name: String) -> Int32 {
        try? FileManager.default.createDirectory(atPath: LeftoverJournal.directory, withIntermediateDirectories: true)
        return open("\(LeftoverJournal.directory)/\(name).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    }

    /// Runs `body` under the lock if nobody holds it; nil if somebody does.
    public static func ifFree<T>(_ name: String, _ body: () -> T) -> T? {
        let fd = openLock(name)
        if fd < 0 { return body() }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        defer { flock(fd, LOCK_UN) }
        return body()
    }

    public static func with<T>(_ name: String, waiting: (String) -> Void = { _ in }, _ body: () throws -> T) throws -> T {
        let fd = openLock(name)
        if fd < 0 { return try body() }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            waiting("waiting for another bpfgate (\(name) lock, \(LeftoverJournal.directory)/\(name).lock)")
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
