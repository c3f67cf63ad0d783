import Foundation

/// A failure of the libbpf layer. Each case names the libbpf call (or the action) and the errno.
public enum BPFError: Error, CustomStringConvertible, Equatable {
    /// A libbpf or bpf(2) call returned an error.
    case call(String, errno: Int32)
    /// `bpf_object__load` failed; `verifierLog` holds what libbpf and the verifier said.
    case load(object: String, errno: Int32, verifierLog: String)
    /// The object has no program or map of that name.
    case notFound(kind: String, name: String, object: String)
    /// The process lacks capabilities that the action needs.
    case missingPrivilege(action: String, missing: [Capability])

    public var description: String {
        switch self {
        case let .call(call, errno):
            return "\(call) failed: \(Errno.describe(errno))"
        case let .load(object, errno, log):
            let tail = BPFError.logTail(log, lines: 1)
            return "loading BPF object '\(object)' failed (bpf_object__load): \(Errno.describe(errno))"
                + (tail.isEmpty ? "" : "; verifier: \(tail)")
        case let .notFound(kind, name, object):
            return "BPF object '\(object)' has no \(kind) named '\(name)'"
        case let .missingPrivilege(action, missing):
            let names = missing.map(\.name).joined(separator: " and ")
            return "\(action) needs \(names), which this process lacks; run as root or grant them"
        }
    }

    /// The errno of the failed call, if any.
    public var errno: Int32? {
        switch self {
        case let .call(_, e), let .load(_, e, _): return e
        default: return nil
        }
    }

    /// True when the kernel refused for lack of privilege (EPERM), as opposed to the verifier rejecting a
    /// program (EACCES on load) or a missing feature.
    public var isPermissionDenied: Bool {
        if case .missingPrivilege = self { return true }
        if case let .call(_, e) = self { return e == EPERM }
        if case let .load(_, e, _) = self { return e == EPERM }
        return false
    }

    /// "; verifier: <last lines>" for a failed load whose log says why, else "" (to append to a message).
    public func verifierTail(lines: Int) -> String {
        guard case let .load(_, _, log) = self else { return "" }
        let tail = BPFError.logTail(log, lines: lines)
        return tail.isEmpty ? "" : "; verifier: \(tail)"
    }

    /// The last `lines` non-empty lines of a verifier log that say why, joined by " | " (the verifier's
    /// closing statistics and libbpf's framing are left out).
    public static func logTail(_ log: String, lines: Int) -> String {
        let noise = ["processed ", "verification time", "stack depth", "-- END PROG LOAD LOG --", "libbpf: failed to load"]
        let all = log.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { line in !line.isEmpty && !noise.contains { line.hasPrefix($0) || line.contains("-- END PROG LOAD LOG --") } }
        return all.suffix(lines).joined(separator: " | ")
    }
}

/// Names for errno values, so messages say `EPERM` as well as the text.
public enum Errno {
    static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", E2BIG: "E2BIG",
        EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
        EEXIST: "EEXIST", ENODEV: "ENODEV", EINVAL: "EINVAL", ENOSPC: "ENOSPC", ERANGE: "ERANGE",
        ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP", ELOOP: "ELOOP", ENOTSUPP_KERNEL: "ENOTSUPP",
    ]
    /// Linux's kernel-internal ENOTSUPP (524), which bpf(2) leaks to user space for some unsupported operations.
    public static let ENOTSUPP_KERNEL: Int32 = 524

    /// "Operation not permitted (EPERM)".
    public static func describe(_ code: Int32) -> String {
        let text = code == ENOTSUPP_KERNEL ? "Operation not supported" : String(cString: strerror(code))
        return "\(text) (\(names[code] ?? "errno \(code)"))"
    }

    /// Whether the code means "this kernel does not offer that", not "you did it wrong".
    public static func meansUnsupported(_ code: Int32) -> Bool {
        [EINVAL, EOPNOTSUPP, ENOTSUPP_KERNEL, ENOSYS, ENOENT, ESRCH].contains(code)
    }
}
