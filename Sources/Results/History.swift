import Foundation

/// One run's value of one benchmark x measure: the BMF view (median and quartiles) with the run's identity.
public struct HistoryPoint: Codable, Equatable, Sendable {
    public var runID: String
    /// The run's end, ISO 8601 UTC.
    public var time: String
    public var commit: String?
    /// `save` or `accept` for a stored run; nil when read from elsewhere (InfluxDB).
    public var kind: String?
    public var value: Double
    public var lower: Double?
    public var upper: Double?

    public init(runID: String, time: String, commit: String?, kind: String?, value: Double, lower: Double?, upper: Double?) {
        self.runID = runID
        self.time = time
        self.commit = commit
        self.kind = kind
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// The history of one benchmark x measure, oldest point first.
public struct HistorySeries: Codable, Equatable, Sendable {
    public var benchmark: String
    public var measure: String
    public var unit: String
    public var direction: Direction
    /// A reference (the machine's speed of the moment, timed in the rounds of other benchmarks): its steps
    /// are the machine's, never a regression of the code.
    public var isReference: Bool
    /// Values are ratios to the reference timed in the same rounds (the default of `history` and `trend` over stored baselines; `--raw` turns it off), not medians.
    public var normalized: Bool
    public var points: [HistoryPoint]

    public init(benchmark: String, measure: String, unit: String, direction: Direction, isReference: Bool = false,
                normalized: Bool = false, points: [HistoryPoint]) {
        self.benchmark = benchmark
        self.measure = measure
        self.unit = unit
        self.direction = direction
        self.isReference = isReference
        self.normalized = normalized
        self.points = points
    }
}

/// Which series to keep: a benchmark name pattern (regular expression, searched) and a measure slug.
public struct HistoryFilter: Sendable {
    public var benchmark: String?
    public var measure: String?
    private let regex: NSRegularExpression?

    /// Throws a usage-level `HistoryFilter.BadPattern` for a pattern that does not compile.
    public init(benchmark: String? = nil, measure: String? = nil) throws {
        self.benchmark = benchmark
        self.measure = measure
        if let benchmark {
            do { regex = try NSRegularExpression(pattern: benchmark) } catch {
                throw BadPattern(pattern: benchmark)
            }
        } else {
            regex = nil
        }
    }

    public func keeps(benchmark name: String, measure slug: String) -> Bool {
        if let measure, measure != slug { return false }
        guard let regex else { return true }
        return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    public struct BadPattern: Error, CustomStringConvertible, ExitStatusProviding {
        public let pattern: String
        public var description: String { "'\(pattern)' is not a regular expression" }
        public var exitStatus: ExitStatus { .usage }
    }
}

/// Points gathered into one series per benchmark x measure, the same way for every history reader (stored
/// runs, InfluxDB): a series is made on its first point, and the result is sorted by benchmark and measure.
public struct HistoryCollector {
    private var byKey: [String: HistorySeries] = [:]

    public init() {}

    /// Appends `point` to benchmark x measure's series, made by `make` (without points) on its first point;
    /// `accepts` may refuse a point the series cannot hold. A point whose value is not finite (a ratio to a
    /// zero reference) is left out: trends, charts and JSON see finite numbers only.
    public mutating func append(_ point: HistoryPoint, benchmark: String, measure: String, make: @autoclosure () -> HistorySeries,
                                accepts: (HistorySeries) -> Bool = { _ in true }) {
        guard point.value.isFinite, point.lower?.isFinite ?? true, point.upper?.isFinite ?? true else { return }
        let key = benchmark + "\u{0}" + measure
        if byKey[key] == nil { byKey[key] = make() }
        guard accepts(byKey[key]!) else { return }
        byKey[key]!.points.append(point)
    }

    public var series: [HistorySeries] { byKey.keys.sorted().map { byKey[$0]! } }
}
