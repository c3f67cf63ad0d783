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
        if let p = Naming.problem(withTestbed: results.testbed.name) { return p }
        if let p = Naming.problem(withRunID: results.run.id) { return p }
        for (what, text) in [("startedAt", results.run.startedAt), ("finishedAt", results.run.finishedAt)] {
            guard let date = Timestamp.parse(text), Timestamp.plausible.contains(date) else {
                return "run.\(what) '\(Text.oneLine(String(text.prefix(40))))' is not an ISO 8601 time between 1970 and 2200"
            }
        }
        if !(results.run.durationSeconds.isFinite && results.run.durationSeconds >= 0) { return "run.durationSeconds is not a finite number of seconds" }
        if results.testbed.cpuCount < 0 { return "testbed.cpuCount is negative" }
        var seen = Set<String>()
        for benchmark in results.benchmarks {
            if benchmark.suite.contains(where: Text.isControl) { return "a suite name has control characters" }
            if benchmark.notes.contains(where: { $0.contains(where: Text.isControl) }) { return "'\(benchmark.name)' has a note with control characters" }
            if let p = Naming.problem(withBenchmark: benchmark.name) { return p }
            if let r = benchmark.reference, Naming.problem(withBenchmark: r) != nil { return "'\(benchmark.name)' names an invalid reference" }
            if !seen.insert(benchmark.name).inserted { return "benchmark '\(benchmark.name)' appears twice" }
            var measures = Set<String>()
            for m in benchmark.measures {
                if let p = Naming.problem(withMeasure: m.measure) { return p }
                if !measures.insert(m.measure).inserted { return "measure '\(m.measure)' of '\(benchmark.name)' appears twice" }
                if m.samples.contains(where: { !$0.isFinite }) { return "'\(benchmark.name)' \(m.measure) has a non-finite sample" }
                if m.samples.contains(where: { abs($0) > ResultsFile.largestSample }) {
                    return "'\(benchmark.name)' \(m.measure) has a sample beyond ±1e15"
                }
                if (m.unit + m.flags.joined()).contains(where: Text.isControl) {
                    return "'\(benchmark.name)' \(m.measure) has control characters in its unit or flags"
                }
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
