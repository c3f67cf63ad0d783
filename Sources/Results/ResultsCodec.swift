import Foundation

/// A results, BMF or other input file that cannot be used: exit 65, one line naming the file and the fault.
public struct BadInputError: Error, CustomStringConvertible, ExitStatusProviding {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "\(path): \(problem)" }
    public var exitStatus: ExitStatus { .badInput }
}

/// Reading and writing results files: stable JSON (sorted keys), strict validation on read.
public enum ResultsCodec {
    public static func encode(_ results: ResultsFile) throws -> Data {
        try StableJSON.encode(results)
    }

    /// Decodes and validates; every fault becomes a `BadInputError` naming `path`.
    public static func decode(_ data: Data, path: String) throws -> ResultsFile {
        let results: ResultsFile
        do {
            results = try JSONDecoder().decode(ResultsFile.self, from: data)
        } catch let error as DecodingError {
            throw BadInputError(path: path, problem: "not a bpfgate results file (\(describe(error)))")
        } catch {
            throw BadInputError(path: path, problem: "not valid JSON")
        }
        if let problem = validate(results) { throw BadInputError(path: path, problem: problem) }
        return results
    }

    public static func read(path: String) throws -> ResultsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BadInputError(path: path, problem: "cannot read the file")
        }
        return try decode(data, path: path)
    }

    /// Why a decoded results file cannot be trusted, or nil.
    public static func validate(_ results: ResultsFile) -> String? {
        if results.schemaVersion < 1 || results.schemaVersion > ResultsFile.currentSchemaVersion {
            return "schemaVersion \(results.schemaVersion) is not one this bpfgate reads (1...\(ResultsFile.currentSchemaVersion))"
        }
        var seen = Set<String>()
        for benchmark in results.benchmarks {
            if let p = Naming.problem(withBenchmark: benchmark.name) { return p }
            if !seen.insert(benchmark.name).inserted { return "benchmark '\(benchmark.name)' appears twice" }
            var measures = Set<String>()
            for m in benchmark.measures {
                if let p = Naming.problem(withMeasure: m.measure) { return p }
                if !measures.insert(m.measure).inserted { return "measure '\(m.measure)' of '\(benchmark.name)' appears twice" }
                if m.samples.contains(where: { !$0.isFinite }) { return "'\(benchmark.name)' \(m.measure) has a non-finite sample" }
                if m.status == .ok && m.samples.isEmpty { return "'\(benchmark.name)' \(m.measure) is ok but has no samples" }
                if m.status != .ok && !m.samples.isEmpty { return "'\(benchmark.name)' \(m.measure) is \(m.status.label) but has samples" }
            }
        }
        return nil
    }

    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "top level" : p
        }
        switch error {
        case let .keyNotFound(key, c): return "missing '\(key.stringValue)' at \(path(c))"
        case let .typeMismatch(_, c), let .valueNotFound(_, c): return "wrong type at \(path(c))"
        case let .dataCorrupted(c): return c.debugDescription.contains("JSON") ? "not valid JSON" : "\(c.debugDescription) at \(path(c))"
        @unknown default: return "undecodable"
        }
    }
}

/// The JSON every bpfgate file uses: sorted keys, indented, slashes unescaped, trailing newline, so equal
/// content gives equal bytes (golden files, diffs of baselines in git).
public enum StableJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0a)
        return data
    }
}

/// An output that could not be written (disk full, directory gone): not bad input, so exit 1.
public struct WriteError: Error, CustomStringConvertible, ExitStatusProviding {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "cannot write \(path): \(problem)" }
    public var exitStatus: ExitStatus { .unexpected }
}

/// Writes a file atomically: a temporary file in the same directory, then rename(2). A crash or Ctrl-C
/// leaves either the old file or the new one, never half of one.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = "\(dir)/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard FileManager.default.createFile(atPath: temp, contents: data) else {
            throw WriteError(path: path, problem: "the directory is missing or not writable")
        }
        if rename(temp, path) != 0 {
            let code = errno
            unlink(temp)
            throw WriteError(path: path, problem: String(cString: strerror(code)))
        }
    }
}
