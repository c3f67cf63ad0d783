import Foundation
import Results

/// Uploads that failed, kept until a server accepts them (`bpfgate upload --flush`). One JSON file per
/// upload, written atomically, named `<UTC time>-<target>-<id>.json` so the oldest sorts first. A file holds
/// what to send and where, never a secret: the credentials are read again from the environment when it is
/// flushed.
public struct Outbox: Sendable {
    public static let defaultDirectory = ".bpfgate/outbox"

    public struct Entry: Codable, Equatable, Sendable {
        public var version = 1
        /// `bencher` or `influxdb`: which credentials the flush adds.
        public var target: String
        public var created: String
        public var method: String
        public var url: String
        public var contentType: String
        public var body: String
        /// The run's id (Bencher's idempotency key).
        public var run: String
        /// Why it is here: the last problem.
        public var reason: String

        public init(target: String, created: String, method: String, url: String, contentType: String, body: String, run: String,
                    reason: String) {
            self.target = target
            self.created = created
            self.method = method
            self.url = url
            self.contentType = contentType
            self.body = body
            self.run = run
            self.reason = reason
        }
    }

    public let directory: String

    public init(directory: String = Outbox.defaultDirectory) { self.directory = directory }

    /// Writes the entry; returns its path.
    @discardableResult
    public func put(_ entry: Entry, date: Date = Date()) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = entry.run.filter { $0.isLetter || $0.isNumber }.prefix(12)
        let stem = "\(directory)/\(Timestamp.fileStamp(date))-\(entry.target)-\(id)"
        var path = "\(stem).json"
        var n = 1
        while FileManager.default.fileExists(atPath: path) {
            n += 1
            path = "\(stem)-\(n).json"
        }
        try AtomicFile.write(try StableJSON.encode(entry), to: path)
        return path
    }

    /// The entries' paths, oldest first; none when the directory does not exist.
    public func paths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { "\(directory)/\($0)" }
    }

    public func read(_ path: String) throws -> Entry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BadInputError(path: path, problem: "cannot read the outbox entry")
        }
        do { return try JSONDecoder().decode(Entry.self, from: data) } catch {
            throw BadInputError(path: path, problem: "not a bpfgate outbox entry")
        }
    }

    public func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }
}
