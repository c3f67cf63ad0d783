import BPF
import BPFObjects
import Foundation
import Harness
import Results

/// Reads the identity of this machine and the facts of a run from the kernel, /proc and git.
public enum Environment {
    /// bpfgate's version, recorded in every run.
    public static let toolVersion = "0.1.0"

    /// The testbed this process runs on (`name` overrides the automatic short name).
    public static func testbed(name: String? = nil) -> Testbed {
        var uts = utsname()
        uname(&uts)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        return Testbed(
            name: name, kernelRelease: field(uts.release), architecture: field(uts.machine), cpuModel: model,
            // Online CPUs of the machine, not of this process (taskset or a cgroup quota must not change identity).
            cpuCount: sysconf(Int32(_SC_NPROCESSORS_ONLN)), libbpfVersion: BPFLibrary.version,
            clangVersion: EmbeddedBPFObject.all.first?.compiler ?? "none",
            jitEnabled: readInt("/proc/sys/net/core/bpf_jit_enable").map { $0 != 0 } ?? false,
            jitHarden: readInt("/proc/sys/net/core/bpf_jit_harden"))  // nil: unreadable without CAP_SYS_ADMIN
    }

    static func readInt(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// HEAD and dirtiness of the git work tree around the current directory, or nil outside one.
    public static func gitState() -> GitState? {
        guard let head = run(["git", "rev-parse", "HEAD"]), head.count == 40 else { return nil }
        let dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
        return GitState(commit: head, dirty: dirty)
    }

    /// Runs a command and returns its trimmed stdout, or nil if it could not run or failed.
    static func run(_ argv: [String]) -> String? {
        let r = Shell.run(argv)
        return r.status == 0 ? r.output : nil
    }

    /// The digests of every BPF object this binary carries.
    public static var objectDigests: [ObjectDigest] {
        EmbeddedBPFObject.all.map { ObjectDigest(name: $0.name, sha256: $0.sha256) }
    }
}
