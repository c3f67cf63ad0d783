import Configuration
import Foundation
import Results
import Statistics

/// What `bpfgate trend` looks for: change points per benchmark x measure (`ChangePoints`, Otava's method and
/// defaults) in the series' medians, and whether a regression step came within the last `recent` points.
public struct TrendOptions: Equatable, Sendable {
    public var changePoints: ChangePoints.Options
    /// A regression step whose new segment starts within the last `recent` points fails the command.
    public var recent: Int
    /// Runs a change point needs on each side (`changePoints.minSegment`); a series with fewer than twice as many is
    /// too short to look at (ARCHITECTURE.md, decisions: with fewer, flat noisy histories gave steps).
    public var minSegment: Int {
        get { changePoints.minSegment }
        set { changePoints.minSegment = newValue }
    }

    public static let defaultMinSegment = 4

    public init(changePoints: ChangePoints.Options = ChangePoints.Options(minSegment: TrendOptions.defaultMinSegment), recent: Int = 5) {
        self.changePoints = changePoints
        self.recent = recent
    }

    /// What `trend` and `report --history` use unless told otherwise: Otava's window and level, and steps
    /// larger than the gate's minimum effect (a smaller one is no regression by the gate's own rule).
    public static func defaults(_ config: GateConfig) -> TrendOptions {
        TrendOptions(changePoints: ChangePoints.Options(minMagnitude: config.minEffect, minSegment: defaultMinSegment))
    }
}

/// One change point: where a series stepped, by how much, and whether that is worse.
public struct TrendStep: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case regression, improvement }

    public var benchmark: String
    public var measure: String
    public var unit: String
    /// Index of the first point of the new level, and that point's run.
    public var index: Int
    public var time: String
    public var runID: String
    /// The commit of the first run at the new level, and of the last one before it: the step came with a
    /// commit in (commitBefore, commit].
    public var commit: String?
    public var commitBefore: String?
    /// Means of the segments on either side (up to the neighbouring change points).
    public var meanBefore: Double
    public var meanAfter: Double
    public var pointsBefore: Int
    public var pointsAfter: Int
    /// meanAfter / meanBefore - 1.
    public var change: Double
    public var pValue: Double
    public var kind: Kind
    /// Within the last `recent` points of its series.
    public var recent: Bool
    /// A step of a reference: the machine's speed changed; shown, never failing.
    public var reference: Bool
}

/// The outcome of `Trend.analyze`.
public struct TrendReport: Codable, Equatable, Sendable {
    public var windowLength: Int
    public var maxPValue: Double
    public var minMagnitude: Double
    public var recent: Int
    public var series: Int
    public var points: Int
    /// Runs a change point needs on each side, and the series too short for one (fewer than twice that).
    public var minSegment: Int
    public var shortSeries: Int
    /// The longest series' length.
    public var longest: Int
    /// Every change point, by benchmark, measure and index.
    public var steps: [TrendStep]

    /// Regression steps of non-references within the last `recent` points: what fails the command.
    public var recentRegressions: [TrendStep] { steps.filter(\.failing) }

    public var exitStatus: ExitStatus { recentRegressions.isEmpty ? .ok : .regression }
}

extension TrendStep {
    public var failing: Bool { kind == .regression && recent && !reference }
}

public enum Trend {
    public static func analyze(_ series: [HistorySeries], options: TrendOptions = TrendOptions()) -> TrendReport {
        var steps: [TrendStep] = []
        let minSegment = max(1, options.minSegment)
        for s in series where s.points.count >= 2 * minSegment {
            let values = s.points.map(\.value)
            var o = options.changePoints
            o.minSegment = minSegment  // at least 1
            // Two constant levels are a step for an exact measure; for a timing they say nothing of its noise.
            o.constantSegments = Measure.isDeterministic(s.measure)
            for cp in ChangePoints.detect(values, options: o).changePoints {
                // A step from a mean of zero has no relative size: not reported (nor written as a non-number).
                guard cp.stats.forwardChange.isFinite, cp.stats.pValue.isFinite else { continue }
                let before = s.points[cp.index - 1], at = s.points[cp.index]
                let worse = s.direction == .smallerIsBetter ? cp.stats.meanAfter > cp.stats.meanBefore
                                                            : cp.stats.meanAfter < cp.stats.meanBefore
                steps.append(TrendStep(
                    benchmark: s.benchmark, measure: s.measure, unit: s.unit, index: cp.index, time: at.time,
                    runID: at.runID, commit: at.commit, commitBefore: before.commit, meanBefore: cp.stats.meanBefore,
                    meanAfter: cp.stats.meanAfter, pointsBefore: cp.stats.countBefore, pointsAfter: cp.stats.countAfter,
                    change: cp.stats.forwardChange, pValue: cp.stats.pValue, kind: worse ? .regression : .improvement,
                    recent: cp.index >= s.points.count - options.recent, reference: s.isReference))
            }
        }
        let o = options.changePoints
        return TrendReport(windowLength: o.windowLength, maxPValue: o.maxPValue, minMagnitude: o.minMagnitude,
                           recent: options.recent, series: series.count, points: series.reduce(0) { $0 + $1.points.count },
                           minSegment: minSegment, shortSeries: series.filter { $0.points.count < 2 * minSegment }.count,
                           longest: series.map(\.points.count).max() ?? 0, steps: steps)
    }
}
