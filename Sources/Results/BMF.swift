import Foundation
import Statistics

/// Bencher Metric Format: `{benchmark: {measure: {value, lower_value, upper_value}}}` and nothing else.
///
/// value = the median of the samples; lower_value / upper_value = the first and third quartiles
/// (linear interpolation), i.e. the interquartile range of the run's samples. Only measures with status ok
/// appear; a benchmark none of whose measures is ok does not appear at all.
public enum BMF {
    public struct Metric: Codable, Equatable, Sendable {
        public var value: Double
        public var lowerValue: Double?
        public var upperValue: Double?

        public init(value: Double, lowerValue: Double? = nil, upperValue: Double? = nil) {
            self.value = value
            self.lowerValue = lowerValue
            self.upperValue = upperValue
        }

        enum CodingKeys: String, CodingKey {
            case value, lowerValue = "lower_value", upperValue = "upper_value"
        }
    }

    public typealias Document = [String: [String: Metric]]

    /// The BMF view of a results file.
    public static func document(from results: ResultsFile) -> Document {
        var doc: Document = [:]
        for benchmark in results.benchmarks {
            var measures: [String: Metric] = [:]
            for m in benchmark.measures where m.status == .ok {
                guard let s = Summary(m.samples) else { continue }
                measures[m.measure] = Metric(value: s.median, lowerValue: s.q1, upperValue: s.q3)
            }
            if !measures.isEmpty { doc[benchmark.name] = measures }
        }
        return doc
    }

    /// Stable JSON (`StableJSON`).
    public static func encode(_ doc: Document) throws -> Data {
        try StableJSON.encode(doc)
    }

    /// Strict decoding: only `value` (required), `lower_value`, `upper_value`, all numbers; valid names.
    public static func decode(_ data: Data, path: String) throws -> Document {
        let raw: [String: [String: [String: Double]]]
        do {
            raw = try JSONDecoder().decode([String: [String: [String: Double]]].self, from: data)
        } catch let error as DecodingError {
            throw BadInputError(path: path, problem: "not a BMF document (\(ResultsCodec.describe(error)))")
        }
        var doc: Document = [:]
        for (name, measures) in raw {
            if let p = Naming.problem(withBenchmark: name) { throw BadInputError(path: path, problem: p) }
            for (slug, fields) in measures {
                if let p = Naming.problem(withMeasure: slug) { throw BadInputError(path: path, problem: p) }
                if let extra = Set(fields.keys).subtracting(["value", "lower_value", "upper_value"]).sorted().first {
                    throw BadInputError(path: path, problem: "'\(name)' \(slug) has a field '\(extra)' that BMF does not have")
                }
                guard let value = fields["value"] else {
                    throw BadInputError(path: path, problem: "'\(name)' \(slug) has no value")
                }
                doc[name, default: [:]][slug] = Metric(value: value, lowerValue: fields["lower_value"],
                                                       upperValue: fields["upper_value"])
            }
        }
        return doc
    }
}
