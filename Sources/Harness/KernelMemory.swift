import Foundation

/// Kernel memory charged to a memory cgroup of bpfgate's own: a map's memory as the kernel really allocated it,
/// to set beside what the map type reports as its memlock (its own accounting, `map_mem_usage`). The process moves
/// into a child of its memory cgroup for `measure` and back; the child is removed at `close` (also on a signal).
///
/// cgroup v1: a child of the process's memory cgroup, its `memory.kmem.usage_in_bytes` (kernel memory only, in pages),
/// which does not show the percpu allocator's pages (`countsPerCPU` false). cgroup v2: a child of the hierarchy's root
/// (a cgroup that holds processes cannot enable controllers for its children; the root can), when the root enables
/// `memory` for its children; its `memory.stat` `kernel`, percpu included (else `memory.current`, which also counts the
/// process's own new pages).
public final class KernelMemory {
    public let path: String
    /// Where the process was, and goes back to.
    private let home: String
    private let counter: String
    private let token: Int

    /// Why kernel memory cannot be measured here, or nil.
    public static func unavailable() -> String? {
        (try? locate()) == nil ? "no memory cgroup of this process to measure kernel memory in (cgroup v1 memory or v2)" : nil
    }

    /// Whether per-CPU allocations (a per-CPU map's values) are in the counter.
    public var countsPerCPU: Bool { counter != "memory.kmem.usage_in_bytes" }

    public init() throws {
        let (parent, home, counter) = try Self.locate()
        self.home = home
        self.counter = counter
        path = "\(parent)/bpfgate-memory-\(getpid())"
        let (target, back) = (path, home)
        // Interrupted while measuring, the process is still inside: it moves back before the child goes (a cgroup
        // whose last process just left may be busy for a moment).
        token = try Cleanup.shared.change("remove cgroup \(target)", {
            if mkdir(target, 0o755) != 0 && errno != EEXIST { throw SystemCallError(call: "mkdir(\(target))", errno: errno) }
        }, leftover: { .cgroup(path: target) }, undo: {
            try? OwnCgroup.move(getpid(), to: back)
            for _ in 0 ..< 50 where rmdir(target) != 0 && errno == EBUSY { usleep(10_000) }
        }).token
    }

    /// Runs `body` with the process in the child cgroup; `read` gives the bytes charged to it since `body` began.
    public func measure<T>(_ body: (_ read: () throws -> Int) throws -> T) throws -> T {
        try OwnCgroup.move(getpid(), to: path)
        defer { try? OwnCgroup.move(getpid(), to: home) }
        let start = try settled()
        return try body { try self.charged() - start }
    }

    /// The charge once what was freed before has been uncharged: the kernel frees a map's memory after its last
    /// file descriptor closes, from a work queue and after RCU grace periods, so a map closed just before would
    /// uncharge during the next measurement. Waits until three reads 10 ms apart agree (at most 2 s).
    func settled() throws -> Int {
        var last = try charged(), same = 0
        for _ in 0 ..< 200 where same < 2 {
            usleep(10_000)
            let now = try charged()
            same = now == last ? same + 1 : 0
            last = now
        }
        return last
    }

    func charged() throws -> Int {
        let file = "\(path)/\(counter)"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw SystemCallError(call: "read(\(file))", errno: errno) }
        if counter == "memory.stat" {
            for line in text.split(separator: "\n") where line.hasPrefix("kernel ") {
                if let n = Int(line.dropFirst("kernel ".count)) { return n }
            }
            // A kernel before 5.18 has no `kernel` line: the whole charge, the process's own new pages included.
            guard let current = try? String(contentsOfFile: "\(path)/memory.current", encoding: .utf8),
                  let n = Int(current.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw SystemCallError(call: "reading kernel in \(file) or \(path)/memory.current", errno: ENOENT)
            }
            return n
        }
        guard let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw SystemCallError(call: "parsing \(file)", errno: EINVAL) }
        return n
    }

    public func close() { Cleanup.shared.run(token) }
    deinit { close() }

    /// Where to make the child, where the process is, and the counter file to read in the child.
    static func locate() throws -> (parent: String, home: String, counter: String) {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let fields = mounts.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let membership = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        if let v1 = fields.first(where: { $0.count > 3 && $0[2] == "cgroup" && $0[3].split(separator: ",").contains("memory") }),
           let line = membership.first(where: { $0.split(separator: ":", maxSplits: 2).dropFirst().first?.split(separator: ",").contains("memory") == true }) {
            let rel = String(line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)[2])
            let dir = v1[1] + (rel == "/" ? "" : rel)
            if FileManager.default.fileExists(atPath: "\(dir)/memory.kmem.usage_in_bytes") { return (dir, dir, "memory.kmem.usage_in_bytes") }
        }
        guard let v2 = fields.first(where: { $0.count > 2 && $0[2] == "cgroup2" }) else {
            throw SystemCallError(call: "finding a memory cgroup of this process", errno: ENOENT)
        }
        let root = v2[1]
        let controllers = (try? String(contentsOfFile: "\(root)/cgroup.subtree_control", encoding: .utf8)) ?? ""
        guard controllers.split(whereSeparator: \.isWhitespace).contains("memory") else {
            throw SystemCallError(call: "finding the memory controller in \(root)/cgroup.subtree_control", errno: ENOENT)
        }
        return (root, try HookAttach.ownCgroupPath(), "memory.stat")
    }
}
