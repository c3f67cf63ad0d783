/// The process exit codes of every bpfgate command: one table for the whole product (README, "Exit codes").
public enum ExitStatus: Int32, CaseIterable, Sendable {
    /// Success, also when only improvements were found or a regression was only reported (warn-only).
    case ok = 0
    /// Anything unexpected (a defect in bpfgate).
    case unexpected = 1
    /// A benchmark regressed beyond its threshold.
    case regression = 2
    /// A benchmark failed to load or run.
    case benchmarkFailed = 3
    /// No baseline for this testbed, where one is required.
    case noBaseline = 4
    /// A missing privilege or kernel feature.
    case missingPrivilegeOrFeature = 5
    /// Uploading results failed (transport or server).
    case transportFailure = 6
    /// Usage error: bad flags or arguments (argument-parser's own code).
    case usage = 64
    /// Bad input data: a malformed results, baseline or configuration file, or a name that cannot be used.
    case badInput = 65
    /// An output could not be written after its path was checked (disk full, I/O error): sysexits' EX_IOERR.
    case writeFailed = 74

    /// When several apply, the first in this order wins: a regression is never hidden by an upload failure,
    /// and an upload failure never looks like a regression. `unexpected` ranks below every stated verdict.
    public static let precedence: [ExitStatus] = [
        .usage, .badInput, .writeFailed, .missingPrivilegeOrFeature, .benchmarkFailed, .regression, .noBaseline,
        .transportFailure, .unexpected, .ok,
    ]

    /// The status that wins among `statuses` (`ok` for none).
    public static func combined(_ statuses: [ExitStatus]) -> ExitStatus {
        precedence.first { statuses.contains($0) } ?? .ok
    }
}

/// An error that knows which exit status it stands for.
public protocol ExitStatusProviding: Error {
    var exitStatus: ExitStatus { get }
}
