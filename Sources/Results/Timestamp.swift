import Foundation

/// The times bpfgate writes: ISO 8601 UTC with milliseconds in files, and a compact UTC stamp that sorts by
/// time in file names (baseline runs, outbox entries).
public enum Timestamp {
    public static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// `yyyyMMddTHHmmss.SSSZ`.
    public static func fileStamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return f.string(from: date)
    }

    /// The times bpfgate accepts from a file: 1970 to 2200 (beyond it, nanoseconds since 1970 overflow Int64).
    public static let plausible = Date(timeIntervalSince1970: 0) ... Date(timeIntervalSince1970: 7_258_118_400)

    /// ISO 8601 with or without fractional seconds; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
