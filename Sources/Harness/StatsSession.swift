import BPF
import Foundation

/// bpf_stats (run_time_ns / run_cnt) on for as long as the session lives: through `bpf_enable_stats()`,
/// which is fd-scoped and so off again however bpfgate exits; only where the kernel lacks that call
/// (EINVAL, EOPNOTSUPP: before 5.8), or with `BPFGATE_STATS=sysctl`, through the
/// `kernel.bpf_stats_enabled` sysctl. The sysctl is then changed through `Cleanup` and journaled, so it
/// is restored on every exit path, and after a SIGKILL by the next bpfgate start.
public final class StatsSession {
    public static let sysctlPath = "/proc/sys/kernel/bpf_stats_enabled"

    private var session: BPFStatsSession?
    private var token: Int?

    public init() throws {
        let forced = ProcessInfo.processInfo.environment["BPFGATE_STATS"]
        if let forced, forced != "sysctl" && forced != "bpf_enable_stats" {
            throw SystemCallError(call: "BPFGATE_STATS=\(forced) (expected sysctl or bpf_enable_stats)", errno: EINVAL)
        }
        if forced != "sysctl" {
            do {
                session = try BPFStatsSession()
                return
            } catch let error as BPFError where forced == nil && [EINVAL, EOPNOTSUPP, ENOSYS].contains(error.errno ?? 0) {
                // An older kernel: fall back to the sysctl below.
            }
        }
        let previous = try Sysctl.read(Self.sysctlPath)
        if previous != "0" { return }  // already on (someone else's): leave it as found
        token = try Cleanup.shared.change("bpf_stats_enabled back to 0", { try Sysctl.write("1", to: Self.sysctlPath) },
                                          leftover: { .sysctl(path: Self.sysctlPath, value: previous) },
                                          undo: { try? Sysctl.write(previous, to: Self.sysctlPath) }).token
    }

    deinit { close() }

    public func close() {
        session?.close()
        session = nil
        if let token { Cleanup.shared.run(token) }
        token = nil
    }
}

/// A /proc/sys file, read trimmed and written with one write(2) (how the kernel takes a sysctl).
public enum Sysctl {
    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw SystemCallError(call: "reading \(path)", errno: ENOENT)
        }
    }

    static func write(_ value: String, to path: String) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw SystemCallError(call: "opening \(path)", errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw SystemCallError(call: "writing \(path)", errno: errno) }
    }
}
