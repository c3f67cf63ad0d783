import ArgumentParser
import Configuration
import Foundation
import Gate
import Results
import Tracking

extension HistorySourceOptions {
    /// The testbed's history as series, oldest point first.
    func load() throws -> [HistorySeries] { try read().series }

    /// The series and, from stored runs, the latest run (read once: decoding is most of a long history's time).
    func read() throws -> (series: [HistorySeries], latest: ResultsFile?) {
        let filter: HistoryFilter
        do { filter = try HistoryFilter(benchmark: benchmark, measure: measure) } catch let e as HistoryFilter.BadPattern {
            throw ValidationError("--benchmark \(e)")
        }
        let name = testbedName
        if from == .influxdb {
            let target = try influx.target(branch: branch, environment: connection.environment)
            let series = try InfluxHistory.fetch(target: target, testbed: name, credentials: try connection.credentials(),
                                                 transport: connection.transport(), filter: filter, log: { note("bpfgate: \($0)") })
            if series.isEmpty {
                throw BaselineError.missing("no points of testbed '\(name)'\(branch.map { " on branch '\($0)'" } ?? "") in InfluxDB database '\(target.database)' match")
            }
            return (series, nil)
        }
        let runs = try store.store.history(testbed: name)
        if runs.isEmpty { throw BaselineError.missing("no stored runs for testbed '\(name)' in \(store.baselines)") }
        let kinds = Dictionary(runs.map { ($0.results.run.id, $0.kind.rawValue) }, uniquingKeysWith: { a, _ in a })
        let series = History.series(of: runs.map(\.results), kinds: kinds, filter: filter, normalized: normalized)
        if series.isEmpty {
            throw ValidationError("no benchmark x measure of the \(runs.count) stored run(s) of '\(name)' matches\(benchmark.map { " --benchmark '\($0)'" } ?? "")\(measure.map { " --measure \($0)" } ?? "")")
        }
        return (series, runs.last?.results)
    }
}
