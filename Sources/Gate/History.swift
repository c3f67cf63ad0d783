import Foundation
import Results

public enum History {
    /// The series of `runs` (oldest first), one per benchmark x measure with an ok value in any run, sorted by
    /// benchmark and measure; each run adds one point where its measure is ok: the BMF median and quartiles,
    /// or with `normalized` the ratio to the reference timed in the same rounds, as the gate judges it (a
    /// benchmark without a reference then keeps its median). `kinds` gives a stored run's kind by run id.
    public static func series(of runs: [ResultsFile], kinds: [String: String] = [:], filter: HistoryFilter,
                              normalized: Bool = false) -> [HistorySeries] {
        let references = Set(runs.flatMap { $0.benchmarks.compactMap(\.reference) })
        var collector = HistoryCollector()
        for run in runs {
            let doc = BMF.document(from: run)
            let byName = Dictionary(run.benchmarks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for benchmark in run.benchmarks {
                for m in benchmark.measures where m.status == .ok && filter.keeps(benchmark: benchmark.name, measure: m.measure) {
                    guard let metric = doc[benchmark.name]?[m.measure] else { continue }
                    var point = HistoryPoint(runID: run.run.id, time: run.run.finishedAt, commit: run.run.git?.commit,
                                             kind: kinds[run.run.id], value: metric.value, lower: metric.lowerValue,
                                             upper: metric.upperValue)
                    var ratio = false
                    if normalized, SuiteName.judgesRatioToReference(benchmark.suite), let refName = benchmark.reference, let ref = byName[refName]?.measure(m.measure), ref.status == .ok,
                       let value = Comparison.normalizedValue(m, reference: ref) {
                        point.value = value
                        point.lower = nil
                        point.upper = nil
                        ratio = true
                    }
                    // A series is normalized only if every point is: a run without the reference adds no point to it.
                    collector.append(point, benchmark: benchmark.name, measure: m.measure,
                                     make: HistorySeries(benchmark: benchmark.name, measure: m.measure, unit: ratio ? "x reference" : m.unit,
                                                         direction: m.direction, isReference: references.contains(benchmark.name),
                                                         normalized: ratio, points: []),
                                     accepts: { $0.normalized == ratio })
                }
            }
        }
        return collector.series
    }
}
