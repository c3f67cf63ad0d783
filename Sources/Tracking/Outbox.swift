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

    /// Writes the entry under a new name (never replacing another entry); returns its path. A failure is an
    /// `OutboxError` (exit 6: the upload is lost, as an upload failure).
    @discardableResult
    public func put(_ entry: Entry, date: Date = Date()) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OutboxError(problem: "cannot create the outbox \(Text.oneLine(directory))")
        }
        let id = entry.run.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(32)
        let target = entry.target.filter { $0.isASCII && $0.isLetter }
        let stem = "\(directory)/\(Timestamp.fileStamp(date))-\(target)-\(id)"
        let data = try StableJSON.encode(entry)
        for n in 1 ... 1000 {
            let path = n == 1 ? "\(stem).json" : "\(stem)-\(n).json"
            do {
                if try ExclusiveFile.create(data, at: path) { return path }
            } catch let e as WriteError {
                throw OutboxError(problem: e.description)
            }
        }
        throw OutboxError(problem: "no free name for \(stem).json")
    }

    /// Holds the outbox's lock until `unlock()`: two flushes never send one entry twice.
    public func lock() throws -> FileLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try FileLock(path: directory)
        } catch {
            throw OutboxError(problem: "cannot lock the outbox \(Text.oneLine(directory))")
        }
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
        if unlink(path) != 0 && errno != ENOENT {
            throw OutboxError(problem: "cannot remove the sent entry \(Text.oneLine(path)): \(String(cString: strerror(errno)))")
        }
    }
}

/// The outbox could not be written or read: the upload is not kept, so exit 6 like a failed upload.
public struct OutboxError: Error, CustomStringConvertible, ExitStatusProviding {
    public let problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { "outbox: \(problem)" }
    public var exitStatus: ExitStatus { .transportFailure }
}
