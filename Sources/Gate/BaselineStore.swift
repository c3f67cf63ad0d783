import Foundation
import Results

/// One run kept in `baselines/`: the full results file, and why it is there.
public struct StoredRun: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Recorded by `baseline save` (or a first `check`): more of the same baseline.
        case save
        /// Recorded by `baseline accept --reason`: starts a new baseline epoch (an intended change).
        case accept
    }
    public var kind: Kind
    public var reason: String?
    /// ISO 8601 UTC.
    public var savedAt: String
    public var results: ResultsFile
    /// The file it was read from (not stored).
    public var file: String?

    enum CodingKeys: String, CodingKey { case kind, reason, savedAt, results }

    public init(kind: Kind, reason: String?, savedAt: String, results: ResultsFile) {
        self.kind = kind
        self.reason = reason
        self.savedAt = savedAt
        self.results = results
    }
}

/// Baselines and history, kept in git under `baselines/<testbed>/runs/<UTC save time>-<run id>.json`, one
/// stored run per file (runs stored before names carried the whole id end in its first 8 characters; they are
/// read the same). The history is every run there in the order the runs started (bounded by `history`, the
/// earliest dropped); the baseline is the runs from the latest-started `accept` on. Files change only through
/// `baseline` commands and `check`; a run is created under its own name and never replaces a file, and the
/// writers of one testbed take turns on a lock on its directory.
public struct BaselineStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public func directory(testbed: String) -> String { "\(root)/\(testbed)/runs" }

    /// The stored runs' file names of `testbed`, by name.
    func fileNames(testbed: String) -> [String] {
        guard Naming.problem(withTestbed: testbed) == nil,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory(testbed: testbed)) else { return [] }
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }

    /// Every stored run of `testbed`, in the order the runs started (then by file name); a malformed file is
    /// a `BadInputError` (exit 65). Files are decoded on all CPUs: decoding is most of the time a long
    /// history takes to read.
    public func history(testbed: String) throws -> [StoredRun] {
        if let problem = Naming.problem(withTestbed: testbed) { throw BadInputError(path: root, problem: problem) }
        let dir = directory(testbed: testbed)
        let paths = fileNames(testbed: testbed).map { "\(dir)/\($0)" }
        var decoded = [Result<StoredRun, Error>?](repeating: nil, count: paths.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            let r = Result { try Self.read(path: paths[i]) }
            lock.lock()
            decoded[i] = r
            lock.unlock()
        }
        return Self.inStartOrder(try decoded.map { try $0!.get() })
    }

    /// Runs by start time; equal times keep their (file name) order.
    static func inStartOrder(_ runs: [StoredRun]) -> [StoredRun] {
        let keyed = runs.enumerated().map { (i, r) in (Timestamp.parse(r.results.run.startedAt) ?? .distantPast, i, r) }
        return keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    /// One stored run.
    static func read(path: String) throws -> StoredRun {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BadInputError(path: path, problem: "cannot read the stored run")
        }
        var run: StoredRun
        do {
            run = try JSONDecoder().decode(StoredRun.self, from: data)
        } catch let error as DecodingError {
            throw BadInputError(path: path, problem: "not a stored bpfgate run (\(ResultsCodec.describe(error)))")
        } catch {
            throw BadInputError(path: path, problem: "not valid JSON")
        }
        if let problem = ResultsCodec.validate(run.results) { throw BadInputError(path: path, problem: problem) }
        if let reason = run.reason, reason.contains(where: Text.isControl) {
            throw BadInputError(path: path, problem: "the reason has control characters")
        }
        run.file = path
        return run
    }

    /// The runs that make the baseline now: from the latest `accept` on.
    public func baseline(testbed: String) throws -> [StoredRun] {
        let all = try history(testbed: testbed)
        guard let lastAccept = all.lastIndex(where: { $0.kind == .accept }) else { return all }
        return Array(all[lastAccept...])
    }

    /// Stores `results` and drops the earliest runs beyond `history`. A run whose testbed identity differs
    /// from `currentTestbed` or from the runs already stored under its name needs `force`; a run already
    /// stored (same run id) is not stored again (`BaselineError.alreadyStored`). The testbed name and the run
    /// id become path segments: invalid ones are bad input (exit 65).
    @discardableResult
    public func save(_ results: ResultsFile, kind: StoredRun.Kind, reason: String?, history limit: Int,
                     currentTestbed: Testbed, force: Bool, now: Date = Date()) throws -> String {
        let name = results.testbed.name, id = results.run.id
        if let problem = Naming.problem(withTestbed: name) ?? Naming.problem(withRunID: id) {
            throw BadInputError(path: "run \(Text.oneLine(String(id.prefix(40))))", problem: problem)
        }
        if let reason, reason.contains(where: Text.isControl) {
            throw BadInputError(path: "run \(id.prefix(40))", problem: "the reason has control characters")
        }
        let dir = directory(testbed: name)
        // Checked before anything is created: a refused run leaves baselines/ as it was.
        if !force {
            if !results.testbed.isComparable(to: currentTestbed) {
                throw BaselineError.otherTestbed("the run was made on testbed '\(name)' (\(results.testbed.identityFields.joined(separator: ", "))), not on this one (\(currentTestbed.identityFields.joined(separator: ", "))); use --force to store it anyway")
            }
            if let last = fileNames(testbed: name).last,
               !(try Self.read(path: "\(dir)/\(last)")).results.testbed.isComparable(to: results.testbed) {
                throw BaselineError.otherTestbed("baselines/\(name) holds runs of another identity; use --force or --testbed NAME")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: dir, problem: "cannot create the directory")
        }
        let lock = try FileLock(path: dir)
        defer { lock.unlock() }
        let names = fileNames(testbed: name)
        // File names end in the run id (or, written before, its first 8 characters): only those are read.
        for file in names where file.hasSuffix("-\(id).json") || file.hasSuffix("-\(id.prefix(8)).json") {
            let path = "\(dir)/\(file)"
            if try Self.read(path: path).results.run.id == id { throw BaselineError.alreadyStored(path) }
        }
        // What pruning will drop is read before anything is written: an unreadable history fails the save whole.
        let earlier = names.count + 1 > limit ? try history(testbed: name) : []
        let path = "\(dir)/\(Timestamp.fileStamp(now))-\(id).json"
        var run = StoredRun(kind: kind, reason: reason, savedAt: Timestamp.iso(now), results: results)
        guard try ExclusiveFile.create(try StableJSON.encode(run), at: path) else { throw BaselineError.alreadyStored(path) }
        if !earlier.isEmpty {
            run.file = path
            let all = Self.inStartOrder(earlier + [run])
            for old in all.dropLast(max(0, min(limit, all.count))) { if let f = old.file { try? FileManager.default.removeItem(atPath: f) } }
        }
        return path
    }

    /// Testbeds with stored runs, and how many each.
    public func testbeds() -> [(name: String, runs: Int)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        return names.sorted().compactMap { name in
            let runs = fileNames(testbed: name).count
            return runs > 0 ? (name, runs) : nil
        }
    }

    /// Deletes the one run whose id starts with `runID` or, with nil, every run of `testbed`. Returns the
    /// count. An empty prefix, or one that matches several runs, deletes nothing.
    @discardableResult
    public func delete(testbed: String, runID: String?) throws -> Int {
        if let runID, runID.isEmpty { throw BaselineError.ambiguous("the run to delete needs a run id or a prefix of one, not ''") }
        let dir = directory(testbed: testbed)
        let lock = FileManager.default.fileExists(atPath: dir) ? try FileLock(path: dir) : nil
        defer { lock?.unlock() }
        let victims = try history(testbed: testbed).filter { runID == nil || $0.results.run.id.hasPrefix(runID!) }
        if victims.isEmpty {
            throw BaselineError.notFound(runID.map { "no run '\(Text.oneLine($0))' in baselines/\(testbed)" } ?? "no runs in baselines/\(testbed)")
        }
        if let runID, victims.count > 1 {
            let ids = victims.prefix(3).map { String($0.results.run.id.prefix(12)) }.joined(separator: ", ")
            throw BaselineError.ambiguous("'\(Text.oneLine(runID))' matches \(victims.count) runs (\(ids)\(victims.count > 3 ? ", ..." : "")); give more of the id")
        }
        for v in victims { if let f = v.file { try FileManager.default.removeItem(atPath: f) } }
        return victims.count
    }

}

/// Baseline commands' own failures.
public enum BaselineError: Error, CustomStringConvertible, ExitStatusProviding {
    case otherTestbed(String)
    case notFound(String)
    /// A run id prefix that is empty or matches several runs.
    case ambiguous(String)
    case missing(String)
    /// The run is stored already (in this file).
    case alreadyStored(String)

    public var description: String {
        switch self {
        case let .otherTestbed(s), let .notFound(s), let .ambiguous(s), let .missing(s): return s
        case let .alreadyStored(path): return "the run is already stored in \(path)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .otherTestbed: return .usage
        case .notFound: return .usage
        case .ambiguous: return .usage
        case .missing: return .noBaseline
        case .alreadyStored: return .usage
        }
    }
}

/// Reads what `compare` is given: a results file, a stored run, or a directory of stored runs
/// (`baselines/<testbed>` or its `runs/`), which yields the runs since the latest accept.
public enum RunLoader {
    public static func load(_ path: String) throws -> [ResultsFile] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw BadInputError(path: path, problem: "no such file or directory")
        }
        if isDir.boolValue {
            let runs = FileManager.default.fileExists(atPath: "\(path)/runs") ? "\(path)/runs" : path
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
            if names.isEmpty { throw BadInputError(path: path, problem: "holds no stored runs (*.json)") }
            // Decoded on all CPUs, as `history` does: decoding is most of what a large comparison takes.
            var decoded = [Result<StoredRun, Error>?](repeating: nil, count: names.count)
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: names.count) { i in
                let r = Result { try read("\(runs)/\(names[i])") }
                lock.lock()
                decoded[i] = r
                lock.unlock()
            }
            let stored = BaselineStore.inStartOrder(try decoded.map { try $0!.get() })
            let start = stored.lastIndex { $0.kind == .accept } ?? 0
            return stored[start...].map(\.results)
        }
        return [try read(path).results]
    }

    /// A stored run, or a plain results file taken as one.
    static func read(_ path: String) throws -> StoredRun {
        guard let data = FileManager.default.contents(atPath: path) else { throw BadInputError(path: path, problem: "cannot read the file") }
        if let stored = try? JSONDecoder().decode(StoredRun.self, from: data) {
            if let problem = ResultsCodec.validate(stored.results) { throw BadInputError(path: path, problem: problem) }
            return stored
        }
        let results = try ResultsCodec.decode(data, path: path)
        return StoredRun(kind: .save, reason: nil, savedAt: results.run.finishedAt, results: results)
    }
}
